package dev.gantry.local.dispatch;

import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.storage.Stores;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.Messages;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TaskQueue;
import dev.gantry.transport.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A training worker without training: the same Kafka clients as a real one (a share consumer of
 * the training tasks through {@link TaskQueue}, a {@link Publisher}), the same commit protocol
 * (objects, then a conditional manifest, then the checkpoint event, then ACCEPT), but a segment
 * that does nothing, so that what is measured is dispatch alone. Runs on a thread of its own, in
 * the {@link SimulatedWorkerFleet} process.
 */
final class SimulatedWorker implements Runnable {
    /** One task taken from the queue: when it was published (record timestamp) and acquired, both epoch ms. */
    record Acquisition(String taskId, String trialId, long fromStep, long publishedAtMs, long acquiredAtMs,
            int delivery) {}

    /** What a run learns from its workers: in the fleet's process on the workers' threads, in the bench's on its reader thread. */
    interface Listener {
        void acquired(Acquisition acquisition);

        /** A segment's checkpoint event is on the broker (sent at {@code atMs}, before the task is acknowledged). */
        void announced(String trialId, long step, long atMs);
    }

    private static final byte[] NO_OP_STATE = "no-op segment".getBytes(StandardCharsets.UTF_8);

    private final String id;
    private final KafkaSettings kafka;
    private final Stores stores;
    private final long segmentMs;
    private final AtomicBoolean stopping;
    private final Listener sink;
    private volatile Throwable failure;

    /**
     * @param segmentMs how long a segment pretends to run (0: none, the most dispatch can be asked for)
     * @param sink told of every acquisition and announcement, from this worker's thread
     */
    SimulatedWorker(String id, KafkaSettings kafka, Stores stores, long segmentMs, AtomicBoolean stopping,
            Listener sink) {
        this.id = id;
        this.kafka = kafka;
        this.stores = stores;
        this.segmentMs = segmentMs;
        this.stopping = stopping;
        this.sink = sink;
    }

    @Override
    public void run() {
        try (TaskQueue queue = new TaskQueue(kafka, Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), id);
                Publisher publisher = new Publisher(kafka, id)) {
            queue.serve(stopping, record -> segment(queue, publisher, record));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            // e.g. the broker refusing one more member of the share group: the bench reports it
            failure = e;
        }
    }

    /** Why this worker stopped before it was asked to, if it did. */
    Throwable failure() {
        return failure;
    }

    String id() {
        return id;
    }

    private void segment(TaskQueue queue, Publisher publisher, ConsumerRecord<String, byte[]> record)
            throws InterruptedException {
        long acquiredAt = System.currentTimeMillis();
        TrainingTask task = Messages.decode(record, TrainingTask.parser(), "TrainingTask");
        sink.acquired(new Acquisition(task.getTaskId(), task.getTrial().getTrialId(), task.getFromStep(),
                record.timestamp(), acquiredAt, record.deliveryCount().map(Short::intValue).orElse(1)));
        if (segmentMs > 0) {
            Thread.sleep(segmentMs);  // the simulated work itself, not a wait for anything
        }
        String uri = ClusterLayout.checkpointUri(task.getCheckpointUriPrefix(), task.getToStep());
        Stores.Location at = stores.locate(uri);
        new CheckpointStore(at.store()).commit(at.keyPrefix(), task.getToStep(), task.getSpecHash(),
                Map.of("state.bin", NO_OP_STATE));
        byte[] manifest = at.store().get(at.keyPrefix() + Manifest.FILE_NAME).orElseThrow();
        CheckpointRef checkpoint = CheckpointRef.newBuilder().setUri(uri).setStep(task.getToStep())
                .setManifestSha256(Manifest.sha256(manifest)).build();
        long now = System.currentTimeMillis();
        // A real worker always reports the segment's last step; the coordinator reads every report.
        publisher.send(Topics.WORKER_PROGRESS, id, WorkerProgress.newBuilder().setWorkerId(id).setTrial(task.getTrial())
                .setTaskId(task.getTaskId()).setStep(task.getToStep()).setToStep(task.getToStep()).setAtMs(now).build());
        publisher.sendAndWait(Topics.CHECKPOINT_EVENTS, task.getTrial().getTrialId(), CheckpointEvent.newBuilder()
                .setTrial(task.getTrial()).setCheckpoint(checkpoint).setTaskId(task.getTaskId()).setWorkerId(id)
                .setEvalPolicy(task.getEvalPolicy()).setTotalSteps(task.getTotalSteps())
                .setSegmentSeconds((now - acquiredAt) / 1000.0).setCommittedAtMs(now).setTaskReceivedAtMs(acquiredAt)
                .build());
        sink.announced(task.getTrial().getTrialId(), task.getToStep(), now);
        queue.done(record);
    }
}
