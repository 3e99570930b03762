package dev.gantry.worker;

import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingStats;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.training.StepStats;
import dev.gantry.transport.Messages;
import dev.gantry.transport.Topics;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training worker: takes one task at a time from the shared task queue, runs the segment,
 * commits the checkpoint and announces it. A segment of a trial cancelled meanwhile stops after
 * the step in progress and its task is done, with nothing committed. What a failure means is
 * {@link FailurePolicy}'s to decide.
 */
public final class TrainingWorker implements AutoCloseable {
    /** How a training worker's log line about its warm-up starts (benchmarks read it). */
    public static final String WARMED_UP = "warmed up for";

    private final TaskWorker<Received, SegmentRunner.Outcome> worker;

    public TrainingWorker(WorkerSettings settings) {
        worker = new TaskWorker<>(settings, Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), "training",
                Segments::new);
    }

    /** Works until {@link #stop} is called. */
    public void run() throws InterruptedException {
        worker.run();
    }

    public void stop() {
        worker.stop();
    }

    @Override
    public void close() {
        worker.close();
    }

    /** A task and when this worker got it (for the hand-off gap between segments). */
    private record Received(TrainingTask task, long atMs) {}

    /** Training segments: decode a task, run it, announce the checkpoint. */
    private static final class Segments implements TaskWorker.Role<Received, SegmentRunner.Outcome> {
        private static final Logger log = LoggerFactory.getLogger(TrainingWorker.class);
        private final TaskWorker.Context context;
        private final SegmentRunner runner;
        private final CancellationWatch cancellations;

        Segments(TaskWorker.Context context) {
            this.context = context;
            WorkerSettings settings = context.settings();
            runner = new SegmentRunner(context.stores(), settings.storeRoots(), settings.cacheDir(), settings.keptStates(),
                    settings.device().require("--device"), settings.lossEvery());
            cancellations = new CancellationWatch(context.settings().kafka(), context.settings().workerId());
            log.info("training worker {} waiting for tasks on {}", context.settings().workerId(), Topics.TRAINING_TASKS);
        }

        @Override
        public void prepare(BooleanSupplier stopping) {
            runner.warmStorage(context.settings().workerId());
            for (ExperimentPlan.Trial trial : context.settings().warmUp()) {
                if (stopping.getAsBoolean()) {
                    return;
                }
                long started = System.nanoTime();
                long steps;
                try {
                    steps = runner.warmUp(trial.spec(), trial.specYaml(), WorkerSettings.WARM_UP_STEPS, stopping);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long planned = Math.min(WorkerSettings.WARM_UP_STEPS, trial.spec().training().steps());
                if (steps < planned && stopping.getAsBoolean()) {
                    log.info("warm-up for {} {} cut short after {} of {} steps: the worker is stopping", trial.spec().name(),
                            trial.label(), steps, planned);
                    return;
                }
                log.info(WARMED_UP + " {} {} ({}, {}x{}, batch {}): data set loaded and {} throwaway steps in {} s",
                        trial.spec().name(), trial.label(), trial.spec().dataset().kind(), trial.spec().model().imageSize(),
                        trial.spec().model().imageSize(), trial.spec().training().batchSize(), steps,
                        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
            }
        }

        @Override
        public Optional<Received> decode(ConsumerRecord<String, byte[]> record) {
            long receivedAt = System.currentTimeMillis();
            TrainingTask task = Messages.decode(record, TrainingTask.parser(), "TrainingTask");
            log.info("task {} (delivery {}): steps {} -> {}", task.getTaskId(),
                    record.deliveryCount().map(Short::intValue).orElse(1), task.getFromStep(), task.getToStep());
            return Optional.of(new Received(task, receivedAt));
        }

        @Override
        public String taskId(Received received) {
            return received.task().getTaskId();
        }

        @Override
        public SegmentRunner.Outcome run(Received received) {
            TrainingTask task = received.task();
            String trialId = task.getTrial().getTrialId();
            // Interrupted when the worker gave the task up (lost lock, SIGTERM): stop after this step, commit nothing.
            return runner.run(task, progress(task),
                    () -> cancellations.isCancelled(trialId) || Thread.currentThread().isInterrupted());
        }

        @Override
        public void succeeded(Received received, SegmentRunner.Outcome outcome, ConsumerRecord<String, byte[]> record) {
            TrainingTask task = received.task();
            context.publisher().sendAndWait(Topics.CHECKPOINT_EVENTS, task.getTrial().getTrialId(),
                    event(task, outcome, received.atMs()));
            log.info("task {} done: {}{}", task.getTaskId(), outcome.checkpoint().getUri(),
                    outcome.alreadyCommitted() ? " (already committed)" : "");
        }

        @Override
        public TaskFailure.Builder failure(Received received, ConsumerRecord<String, byte[]> record) {
            TrainingTask task = received.task();
            return TaskFailure.newBuilder().setTaskId(task.getTaskId()).setTrial(task.getTrial())
                    .setTaskKind(TaskFailure.TaskKind.TRAINING_SEGMENT).setFromStep(task.getFromStep());
        }

        private SegmentRunner.ProgressListener progress(TrainingTask task) {
            WorkerSettings settings = context.settings();
            long[] lastSent = {0};
            return (stats, stepsPerSecond) -> {
                long now = System.currentTimeMillis();
                boolean last = stats.step() == task.getToStep();
                if (now - lastSent[0] >= settings.progressEvery().toMillis() || last) {
                    lastSent[0] = now;
                    context.publisher().send(Topics.WORKER_PROGRESS, settings.workerId(), WorkerProgress.newBuilder()
                            .setWorkerId(settings.workerId()).setTrial(task.getTrial()).setTaskId(task.getTaskId())
                            .setStep(stats.step()).setToStep(task.getToStep()).setStats(stats(stats, stepsPerSecond))
                            .setAtMs(now).build());
                }
            };
        }

        private CheckpointEvent event(TrainingTask task, SegmentRunner.Outcome outcome, long receivedAt) {
            WorkerMetrics.segment(outcome.segmentSeconds());
            CheckpointEvent.Builder b = CheckpointEvent.newBuilder().setTrial(task.getTrial())
                    .setCheckpoint(outcome.checkpoint()).setTaskId(task.getTaskId())
                    .setWorkerId(context.settings().workerId()).setAlreadyCommitted(outcome.alreadyCommitted())
                    .setSegmentSeconds(outcome.segmentSeconds()).setTrainingSeconds(outcome.trainingSeconds())
                    .setEvalPolicy(task.getEvalPolicy()).setTotalSteps(task.getTotalSteps())
                    .setCommittedAtMs(System.currentTimeMillis()).setTaskReceivedAtMs(receivedAt);
            if (outcome.stats() != null) {
                b.setStats(stats(outcome.stats(), (task.getToStep() - task.getFromStep()) / Math.max(1e-9,
                        outcome.trainingSeconds())));
            }
            return b.build();
        }

        private static TrainingStats stats(StepStats s, double stepsPerSecond) {
            return TrainingStats.newBuilder().setLossD(s.lossD()).setLossG(s.lossG()).setRealScore(s.realScore())
                    .setFakeScore(s.fakeScore()).setStepsPerSecond(stepsPerSecond).build();
        }

        @Override
        public void close() {
            try {
                cancellations.close();
            } finally {
                runner.close();
            }
        }
    }
}
