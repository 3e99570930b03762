package dev.gantry.worker;

import dev.gantry.cluster.TaskIds;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.NumericsException;
import dev.gantry.storage.Stores;
import dev.gantry.transport.EvaluationPolicies;
import dev.gantry.transport.Messages;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TaskQueue;
import dev.gantry.transport.Topics;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An eval worker: shares checkpoint events and explicit evaluation tasks with the other eval
 * workers. A checkpoint event is evaluated when the experiment's policy (carried in the event)
 * says its step is due; explicit tasks always are.
 */
public final class EvalWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EvalWorker.class);

    private final WorkerSettings settings;
    private final TaskQueue queue;
    private final Publisher publisher;
    private final Stores stores;
    private final EvaluationRunner runner;
    private final ExecutorService computeThread = Executors.newSingleThreadExecutor(EngineSetup.computeThreads("evaluation"));
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile NumericsException refusal;

    public EvalWorker(WorkerSettings settings) {
        this.settings = settings;
        queue = new TaskQueue(settings.kafka(), Topics.EVAL_WORKERS, List.of(Topics.CHECKPOINT_EVENTS, Topics.EVAL_TASKS),
                settings.workerId());
        publisher = new Publisher(settings.kafka(), settings.workerId());
        stores = new Stores(settings.s3());
        runner = new EvaluationRunner(stores, settings);
    }

    public void run() throws InterruptedException {
        log.info("eval worker {} waiting on {} and {}", settings.workerId(), Topics.CHECKPOINT_EVENTS, Topics.EVAL_TASKS);
        queue.serve(stopping, this::handle);
    }

    public void stop() {
        stopping.set(true);
    }

    /** Why this worker stopped taking evaluations, when a feature extractor failed its self-test here. */
    public Optional<NumericsException> refusal() {
        return Optional.ofNullable(refusal);
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
                .setStatsRoot(p.getStatsRoot()).build());
    }

    private void handle(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        Optional<EvaluationTask> task;
        try {
            task = record.topic().equals(Topics.EVAL_TASKS)
                    ? Optional.of(Messages.decode(record, EvaluationTask.parser(), "EvaluationTask"))
                    : due(Messages.decode(record, CheckpointEvent.parser(), "CheckpointEvent"));
        } catch (RuntimeException e) {
            log.error("skipping a malformed record: {}", e.getMessage());
            queue.park(record);
            return;
        }
        if (task.isEmpty()) {
            queue.done(record);
            return;
        }
        EvaluationTask t = task.get();
        int delivery = record.deliveryCount().map(Short::intValue).orElse(1);
        try {
            EvaluationResult result = LeasedRun.run(computeThread, () -> runner.run(t), queue, record,
                    LeasedRun.renewInterval(queue));
            publisher.sendAndWait(Topics.EVAL_RESULTS, t.getTrial().getTrialId() + "/" + result.getStep() + "/"
                    + result.getMetricDefinition(), result);
            queue.done(record);
            log.info("{} step {}: fid {} intra-fid {} ({} s)", t.getTrial().getTrialId(), result.getStep(),
                    result.getFid(), result.getIntraFid(), String.format("%.1f", result.getSeconds()));
        } catch (InterruptedException e) {
            throw e;
        } catch (NumericsException e) {
            // This machine computes the extractor wrongly: hand the task to another worker and stop.
            log.error("refusing to evaluate on this machine, releasing {} and stopping: {}", t.getTaskId(), e.getMessage());
            refusal = e;
            queue.retryLater(record);
            stop();
        } catch (Exception e) {
            String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            if (delivery >= settings.maxDeliveries() || e instanceof IllegalArgumentException) {
                log.error("giving up on evaluation {} after {} deliveries: {}", t.getTaskId(), delivery, reason);
                publisher.sendAndWait(Topics.TASK_FAILURES, t.getTrial().getTrialId(), TaskFailure.newBuilder()
                        .setTaskId(t.getTaskId()).setTrial(t.getTrial()).setReason("evaluation: " + reason)
                        .setWorkerId(settings.workerId()).setDeliveryCount(delivery)
                        .setTaskKind(record.topic().equals(Topics.EVAL_TASKS) ? TaskFailure.TaskKind.REQUESTED_EVALUATION
                                : TaskFailure.TaskKind.SCHEDULED_EVALUATION)
                        .setKind(e instanceof IllegalArgumentException ? TaskFailure.Kind.BAD_TASK
                                : TaskFailure.Kind.RETRIES_EXHAUSTED)
                        .setFromStep(t.getCheckpoint().getStep()).setAtMs(System.currentTimeMillis()).build());
                queue.park(record);
            } else {
                log.warn("evaluation {} failed on delivery {} (will be retried): {}", t.getTaskId(), delivery, reason);
                queue.retryLater(record);
            }
        }
    }

    @Override
    public void close() {
        computeThread.shutdownNow();
        runner.close();
        queue.close();
        publisher.close();
        stores.close();
    }
}
