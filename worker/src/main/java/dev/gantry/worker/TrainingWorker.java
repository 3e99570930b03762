package dev.gantry.worker;

import dev.gantry.storage.Stores;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.data.DatasetException;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingStats;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.spec.SpecException;
import dev.gantry.training.NonFiniteLossException;
import dev.gantry.training.StepStats;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.transport.Messages;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TaskQueue;
import dev.gantry.transport.Topics;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training worker: takes one task at a time from the shared task queue, runs the segment,
 * commits the checkpoint and announces it. A segment of a trial cancelled meanwhile stops after
 * the step in progress and its task is done, with nothing committed. Failures are sorted into two kinds: a task that can
 * never succeed (bad spec, divergence, unusable start checkpoint) is parked at once with its
 * reason; anything else (storage or network trouble) is released for another delivery, and
 * parked once the delivery limit is reached.
 */
public final class TrainingWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrainingWorker.class);

    private final WorkerSettings settings;
    private final TaskQueue queue;
    private final Publisher publisher;
    private final Stores stores;
    private final SegmentRunner runner;
    private final CancellationWatch cancellations;
    private final ExecutorService computeThread = Executors.newSingleThreadExecutor(EngineSetup.computeThreads("training"));
    private final AtomicBoolean stopping = new AtomicBoolean();

    public TrainingWorker(WorkerSettings settings) {
        this.settings = settings;
        queue = new TaskQueue(settings.kafka(), Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), settings.workerId());
        publisher = new Publisher(settings.kafka(), settings.workerId());
        stores = new Stores(settings.s3());
        runner = new SegmentRunner(stores, settings.cacheDir());
        cancellations = new CancellationWatch(settings.kafka(), settings.workerId());
    }

    /** Works until {@link #stop} is called. */
    public void run() throws InterruptedException {
        log.info("training worker {} waiting for tasks on {}", settings.workerId(), Topics.TRAINING_TASKS);
        queue.serve(stopping, this::handle);
    }

    public void stop() {
        stopping.set(true);
    }

    private void handle(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        long receivedAt = System.currentTimeMillis();
        TrainingTask task;
        try {
            task = Messages.decode(record, TrainingTask.parser(), "TrainingTask");
        } catch (RuntimeException e) {
            log.error("parking a malformed task: {}", e.getMessage());
            queue.park(record);
            return;
        }
        int delivery = record.deliveryCount().map(Short::intValue).orElse(1);
        log.info("task {} (delivery {}): steps {} -> {}", task.getTaskId(), delivery, task.getFromStep(), task.getToStep());
        try {
            String trialId = task.getTrial().getTrialId();
            SegmentRunner.Outcome outcome = LeasedRun.run(computeThread,
                    () -> runner.run(task, progress(task), () -> cancellations.isCancelled(trialId)), queue, record,
                    LeasedRun.renewInterval(queue));
            publisher.sendAndWait(Topics.CHECKPOINT_EVENTS, task.getTrial().getTrialId(), event(task, outcome, receivedAt));
            queue.done(record);
            log.info("task {} done: {}{}", task.getTaskId(), outcome.checkpoint().getUri(),
                    outcome.alreadyCommitted() ? " (already committed)" : "");
        } catch (InterruptedException e) {
            throw e;
        } catch (SegmentRunner.CancelledException e) {
            log.info("{}", e.getMessage());
            queue.done(record);
        } catch (SpecException | NonFiniteLossException | IllegalArgumentException | DatasetException e) {
            fail(record, task, delivery, kindOf(e), message(e));
        } catch (SegmentRunner.UnusableStartException e) {
            fail(record, task, delivery, TaskFailure.Kind.CORRUPT_CHECKPOINT, e.getMessage());
        } catch (CheckpointException e) {
            fail(record, task, delivery, TaskFailure.Kind.BAD_TASK, e.getMessage());
        } catch (Exception e) {
            if (delivery >= settings.maxDeliveries()) {
                fail(record, task, delivery, TaskFailure.Kind.RETRIES_EXHAUSTED, "failed on " + delivery
                        + " deliveries, last: " + message(e));
            } else {
                log.warn("task {} failed on delivery {} (will be retried): {}", task.getTaskId(), delivery, message(e));
                queue.retryLater(record);
            }
        }
    }

    private void fail(ConsumerRecord<String, byte[]> record, TrainingTask task, int delivery, TaskFailure.Kind kind,
            String reason) {
        log.error("parking task {} ({}): {}", task.getTaskId(), kind, reason);
        publisher.sendAndWait(Topics.TASK_FAILURES, task.getTrial().getTrialId(), TaskFailure.newBuilder()
                .setTaskId(task.getTaskId()).setTrial(task.getTrial()).setReason(reason).setWorkerId(settings.workerId())
                .setDeliveryCount(delivery).setKind(kind).setTaskKind(TaskFailure.TaskKind.TRAINING_SEGMENT)
                .setFromStep(task.getFromStep())
                .setAtMs(System.currentTimeMillis()).build());
        queue.park(record);
    }

    private static TaskFailure.Kind kindOf(Exception e) {
        return e instanceof NonFiniteLossException ? TaskFailure.Kind.DIVERGED : TaskFailure.Kind.BAD_TASK;
    }

    private static String message(Throwable e) {
        if (e instanceof SpecException s) {
            return String.join("; ", s.problems());
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private SegmentRunner.ProgressListener progress(TrainingTask task) {
        long[] lastSent = {0};
        return (stats, stepsPerSecond) -> {
            long now = System.currentTimeMillis();
            boolean last = stats.step() == task.getToStep();
            if (now - lastSent[0] >= settings.progressEvery().toMillis() || last) {
                lastSent[0] = now;
                publisher.send(Topics.WORKER_PROGRESS, settings.workerId(), WorkerProgress.newBuilder()
                        .setWorkerId(settings.workerId()).setTrial(task.getTrial()).setTaskId(task.getTaskId())
                        .setStep(stats.step()).setToStep(task.getToStep()).setStats(stats(stats, stepsPerSecond))
                        .setAtMs(now).build());
            }
        };
    }

    private CheckpointEvent event(TrainingTask task, SegmentRunner.Outcome outcome, long receivedAt) {
        CheckpointEvent.Builder b = CheckpointEvent.newBuilder().setTrial(task.getTrial())
                .setCheckpoint(outcome.checkpoint()).setTaskId(task.getTaskId()).setWorkerId(settings.workerId())
                .setAlreadyCommitted(outcome.alreadyCommitted()).setSegmentSeconds(outcome.segmentSeconds())
                .setTrainingSeconds(outcome.trainingSeconds()).setEvalPolicy(task.getEvalPolicy())
                .setTotalSteps(task.getTotalSteps()).setCommittedAtMs(System.currentTimeMillis())
                .setTaskReceivedAtMs(receivedAt);
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
        computeThread.shutdownNow();
        cancellations.close();
        queue.close();
        publisher.close();
        stores.close();
    }
}
