package dev.gantry.worker;

import dev.gantry.cluster.TaskIds;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.selftest.NumericsException;
import dev.gantry.transport.EvaluationPolicies;
import dev.gantry.transport.Messages;
import dev.gantry.transport.Topics;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An eval worker: shares checkpoint events and explicit evaluation tasks with the other eval
 * workers. A checkpoint event is evaluated when the experiment's policy (carried in the event)
 * says its step is due; explicit tasks always are. A worker whose feature extractor fails its
 * self-test hands its task back and stops ({@link #refusal}).
 */
public final class EvalWorker implements AutoCloseable {
    private final TaskWorker<EvaluationTask, EvaluationResult> worker;

    public EvalWorker(WorkerSettings settings) {
        worker = new TaskWorker<>(settings, Topics.EVAL_WORKERS, List.of(Topics.CHECKPOINT_EVENTS, Topics.EVAL_TASKS),
                "evaluation", Evaluations::new);
    }

    public void run() throws InterruptedException {
        worker.run();
    }

    public void stop() {
        worker.stop();
    }

    /** Why this worker stopped taking evaluations, when a feature extractor failed its self-test here. */
    public Optional<NumericsException> refusal() {
        return worker.refusal();
    }

    @Override
    public void close() {
        worker.close();
    }

    /** The evaluation a checkpoint event asks for under its experiment's policy, if its step is due. */
    static Optional<EvaluationTask> due(CheckpointEvent event) {
        EvaluationPolicy p = event.getEvalPolicy();
        long step = event.getCheckpoint().getStep();
        if (!event.hasEvalPolicy() || p.getExtractorId().isEmpty()
                || !EvaluationPolicies.due(p, step, event.getTotalSteps())) {
            return Optional.empty();
        }
        return Optional.of(EvaluationTask.newBuilder()
                .setTaskId(TaskIds.scheduledEvaluation(event.getTrial().getTrialId(), step)).setTrial(event.getTrial())
                .setCheckpoint(event.getCheckpoint()).setExtractorId(p.getExtractorId()).setSplit(p.getSplit())
                .setSamplesPerClass(p.getSamplesPerClass()).setEvalSeed(p.getEvalSeed())
                .setTotalSteps(event.getTotalSteps()).setRequestedAtMs(event.getCommittedAtMs())
                .setStatsRoot(p.getStatsRoot()).setGenerator(p.getGenerator())
                .addAllMetrics(p.getMetricsList()).build());
    }

    /** Evaluations: due ones from checkpoint events, requested ones from the eval-tasks topic. */
    private static final class Evaluations implements TaskWorker.Role<EvaluationTask, EvaluationResult> {
        private static final Logger log = LoggerFactory.getLogger(EvalWorker.class);
        private final TaskWorker.Context context;
        private final EvaluationRunner runner;

        Evaluations(TaskWorker.Context context) {
            this.context = context;
            runner = new EvaluationRunner(context.stores(), context.settings());
            runner.preload();
            log.info("eval worker {} waiting on {} and {}", context.settings().workerId(), Topics.CHECKPOINT_EVENTS,
                    Topics.EVAL_TASKS);
        }

        @Override
        public Optional<EvaluationTask> decode(ConsumerRecord<String, byte[]> record) {
            return requested(record) ? Optional.of(Messages.decode(record, EvaluationTask.parser(), "EvaluationTask"))
                    : due(Messages.decode(record, CheckpointEvent.parser(), "CheckpointEvent"));
        }

        @Override
        public String taskId(EvaluationTask task) {
            return task.getTaskId();
        }

        @Override
        public EvaluationResult run(EvaluationTask task) throws Exception {
            return runner.run(task);
        }

        @Override
        public void succeeded(EvaluationTask task, EvaluationResult result, ConsumerRecord<String, byte[]> record) {
            context.publisher().sendAndWait(Topics.EVAL_RESULTS, task.getTrial().getTrialId() + "/" + result.getStep()
                    + "/" + result.getMetricDefinition(), result);
            log.info("{} step {}: fid {} intra-fid {} ({} s)", task.getTrial().getTrialId(), result.getStep(),
                    result.getFid(), result.getIntraFid(), String.format("%.1f", result.getSeconds()));
        }

        @Override
        public TaskFailure.Builder failure(EvaluationTask task, ConsumerRecord<String, byte[]> record) {
            return TaskFailure.newBuilder().setTaskId(task.getTaskId()).setTrial(task.getTrial())
                    .setTaskKind(requested(record) ? TaskFailure.TaskKind.REQUESTED_EVALUATION
                            : TaskFailure.TaskKind.SCHEDULED_EVALUATION)
                    .setFromStep(task.getCheckpoint().getStep());
        }

        private static boolean requested(ConsumerRecord<String, byte[]> record) {
            return record.topic().equals(Topics.EVAL_TASKS);
        }

        @Override
        public void close() {
            runner.close();
        }
    }
}
