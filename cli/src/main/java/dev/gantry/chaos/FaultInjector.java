package dev.gantry.chaos;

import dev.gantry.checkpoint.Manifest;
import dev.gantry.client.ClusterView;
import dev.gantry.local.LocalCluster;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.storage.Stores;
import dev.gantry.transport.Messages;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Carries out one fault against a local cluster. Each method says what it did, or empty when the
 * fault does not apply right now (no running trial to corrupt, no task yet to duplicate): such a
 * draw is skipped, not counted.
 */
final class FaultInjector {
    private final LocalCluster cluster;
    private final ClusterView view;
    private final Stores stores;
    private final String experimentId;
    private final FaultSchedule schedule;
    private final List<String> trainWorkers = new ArrayList<>();
    private final List<String> evalWorkers = new ArrayList<>();
    private String skipReason = "";

    FaultInjector(LocalCluster cluster, ClusterView view, Stores stores, String experimentId, FaultSchedule schedule,
            List<String> trainWorkers, List<String> evalWorkers) {
        this.cluster = cluster;
        this.view = view;
        this.stores = stores;
        this.experimentId = experimentId;
        this.schedule = schedule;
        this.trainWorkers.addAll(trainWorkers);
        this.evalWorkers.addAll(evalWorkers);
    }

    /** Why the last draw did not apply. */
    String skipReason() {
        return skipReason;
    }

    private Optional<String> skip(String why) {
        skipReason = why;
        return Optional.empty();
    }

    Optional<String> inject(Fault fault) throws IOException, InterruptedException {
        skipReason = "";
        return switch (fault) {
            case KILL_TRAINING_WORKER -> killAndReplace(trainWorkers, true);
            case STALL_TRAINING_WORKER -> stall();
            case KILL_EVAL_WORKER -> killAndReplace(evalWorkers, false);
            case KILL_COORDINATOR -> {
                cluster.kill("coordinator");
                cluster.startCoordinator();
                yield Optional.of("coordinator killed and restarted");
            }
            case RESTART_BROKER -> {
                cluster.restartBroker();
                yield Optional.of("broker restarted");
            }
            case CORRUPT_CHECKPOINT -> damageLatest(true);
            case DELETE_CHECKPOINT_OBJECT -> damageLatest(false);
            case DUPLICATE_TASK -> republish(Topics.TRAINING_TASKS);
            case STALE_CHECKPOINT_EVENT -> republish(Topics.CHECKPOINT_EVENTS);
            case FORGED_OUT_OF_ROOT_TASK -> forgedTask();
            case FORGED_BUCKET_ROOT_EVENT -> bucketRootEvent();
            case FORGED_ESCAPING_EVALUATION -> escapingEvaluation();
        };
    }

    /**
     * What a supervisor (Kubernetes, compose's restart policy) does: a process that exited on its
     * own is started again. Returns what was restarted, with exit statuses.
     */
    List<String> restartExited() throws IOException, InterruptedException {
        List<String> restarted = new ArrayList<>();
        for (var exited : cluster.exited().entrySet()) {
            String name = exited.getKey();
            cluster.kill(name);  // forget it
            if (name.equals("coordinator")) {
                cluster.startCoordinator();
            } else if (trainWorkers.remove(name)) {
                trainWorkers.add(cluster.addTrainWorker());
            } else if (evalWorkers.remove(name)) {
                evalWorkers.add(cluster.addEvalWorker());
            }
            restarted.add(name + " (exit " + exited.getValue() + ")");
        }
        return restarted;
    }

    private Optional<String> killAndReplace(List<String> workers, boolean training) throws IOException, InterruptedException {
        if (workers.isEmpty()) {
            return skip("no such worker");
        }
        String victim = workers.remove(schedule.pick(workers.size()));
        cluster.kill(victim);
        String fresh = training ? cluster.addTrainWorker() : cluster.addEvalWorker();
        workers.add(fresh);
        return Optional.of(victim + " killed, " + fresh + " started");
    }

    /**
     * Frozen past the lock, the worker's task goes to another worker; when it wakes, it must notice
     * that the lock is gone and stop its segment instead of finishing beside the new holder.
     */
    private Optional<String> stall() throws IOException, InterruptedException {
        if (trainWorkers.isEmpty()) {
            return skip("no training worker");
        }
        String victim = trainWorkers.get(schedule.pick(trainWorkers.size()));
        Duration frozen = Duration.ofMillis(cluster.lockMs()).plusSeconds(2);
        cluster.freeze(victim, frozen);
        return Optional.of(victim + " frozen for " + frozen.toMillis() + " ms");
    }

    /** Only a running trial's latest checkpoint below its last step: the next segment reads it back. */
    private Optional<String> damageLatest(boolean corrupt) {
        List<TrialState> trials = view.poll(Duration.ofMillis(100)).experiment(experimentId);
        List<TrialState> candidates = trials.stream()
                .filter(t -> t.getPhase() == TrialState.Phase.RUNNING && t.hasLatest() && t.getStep() > 0
                        && t.getStep() < t.getTotalSteps())
                .toList();
        if (candidates.isEmpty()) {
            return skip("no running trial with a checkpoint before its last step: " + trials.stream()
                    .map(t -> t.getPhase() + "@" + t.getStep() + (t.hasLatest() ? "" : " (no latest)")).toList());
        }
        CheckpointRef latest = candidates.get(schedule.pick(candidates.size())).getLatest();
        Stores.Location at = stores.locate(latest.getUri());
        List<String> objects = at.store().list(at.keyPrefix()).stream()
                .filter(k -> !k.endsWith(Manifest.FILE_NAME) && !k.contains(Manifest.FILE_NAME + ".")).toList();
        if (objects.isEmpty()) {
            return skip("no objects under " + latest.getUri());
        }
        String key = objects.get(schedule.pick(objects.size()));
        if (!corrupt) {
            at.store().delete(key);
            return Optional.of("deleted " + key);
        }
        Optional<byte[]> bytes = at.store().get(key);
        if (bytes.isEmpty() || bytes.get().length == 0) {
            return skip(key + " is gone or empty");
        }
        byte[] b = bytes.get();
        int i = schedule.pick(b.length);
        b[i] ^= 0x5a;
        at.store().put(key, b);
        return Optional.of("flipped byte " + i + " of " + key);
    }

    private Optional<String> republish(String topic) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        TopicReplay.replay(cluster.kafka(), "gantry-chaos-replay", List.of(topic), records::add);
        List<ConsumerRecord<String, byte[]>> ours = records.stream()
                .filter(r -> r.key() != null && r.key().startsWith(experimentId)).toList();
        if (ours.isEmpty()) {
            return skip("nothing of this experiment on " + topic + " yet");
        }
        ConsumerRecord<String, byte[]> old = ours.get(schedule.pick(ours.size()));
        try (Publisher publisher = new Publisher(cluster.kafka(), "gantry-chaos")) {
            publisher.sendBytes(topic, old.key(), old.value());
            publisher.flush();
        }
        String what = topic.equals(Topics.TRAINING_TASKS)
                ? Messages.decode(old, TrainingTask.parser(), "TrainingTask").getTaskId()
                : Messages.decode(old, CheckpointEvent.parser(), "CheckpointEvent").getCheckpoint().getUri();
        return Optional.of("republished " + what);
    }

    private Optional<String> forgedTask() {
        String trial = "forged-" + schedule.pick(1_000_000) + "-t000";
        TrainingTask task = TrainingTask.newBuilder().setTaskId(trial + "@0-1")
                .setTrial(TrialRef.newBuilder().setExperimentId("forged").setTrialId(trial)).setFromStep(0).setToStep(1)
                .setSpecYaml("name: forged\ndataset: {kind: fashion-mnist}\n").setSpecHash("0")
                .setCheckpointUriPrefix(ChaosRun.OUTSIDE_URI + trial + "/").setTotalSteps(1).build();
        send(Topics.TRAINING_TASKS, trial, task);
        return Optional.of("task " + task.getTaskId() + " writing to " + task.getCheckpointUriPrefix());
    }

    private Optional<String> bucketRootEvent() {
        List<TrialState> trials = view.experiment(experimentId);
        if (trials.isEmpty()) {
            return skip("no trial yet");
        }
        TrialState t = trials.get(schedule.pick(trials.size()));
        CheckpointEvent event = CheckpointEvent.newBuilder().setTrial(t.getTrial())
                .setCheckpoint(CheckpointRef.newBuilder().setUri(cluster.storeRoot()).setStep(t.getStep() + 1))
                .setTaskId(t.getTrial().getTrialId() + "@forged").setWorkerId("chaos").setTotalSteps(t.getTotalSteps())
                .build();
        send(Topics.CHECKPOINT_EVENTS, t.getTrial().getTrialId(), event);
        return Optional.of("checkpoint event for " + t.getTrial().getTrialId() + " naming " + cluster.storeRoot());
    }

    private Optional<String> escapingEvaluation() {
        List<TrialState> trials = view.experiment(experimentId);
        if (trials.isEmpty()) {
            return skip("no trial yet");
        }
        TrialState t = trials.get(schedule.pick(trials.size()));
        String escaping = cluster.storeRoot() + "experiments/../../../" + ChaosRun.OUTSIDE_NAME + "/";
        EvaluationTask task = EvaluationTask.newBuilder().setTaskId(t.getTrial().getTrialId() + "@forged/eval-request")
                .setTrial(t.getTrial()).setCheckpoint(CheckpointRef.newBuilder().setUri(escaping).setStep(t.getStep()))
                .setExtractorId("fmnist-cnn-v1").setSplit("test").setSamplesPerClass(2).setStatsRoot(escaping)
                .setRequestedAtMs(System.currentTimeMillis()).build();
        send(Topics.EVAL_TASKS, t.getTrial().getTrialId(), task);
        return Optional.of("evaluation task naming " + escaping);
    }

    private void send(String topic, String key, com.google.protobuf.Message message) {
        try (Publisher publisher = new Publisher(cluster.kafka(), "gantry-chaos")) {
            publisher.sendAndWait(topic, key, message);
        }
    }
}
