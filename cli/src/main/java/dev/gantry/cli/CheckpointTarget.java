package dev.gantry.cli;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointDirectory;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.client.ClusterView;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.config.ExitException;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.Stores;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.TrainingState;
import dev.gantry.transport.ClusterOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code gantry eval} and {@code gantry samples} act on: a checkpoint directory on this
 * machine, or a trial's checkpoint in the cluster, named {@code TRIAL}, {@code TRIAL@STEP} or by
 * its URI ({@code .../TRIAL/step-00001000/}).
 */
sealed interface CheckpointTarget {
    String SYNTAX = "TRIAL, TRIAL@STEP, a checkpoint URI (.../TRIAL/step-NNNNNNNN/) or a checkpoint directory";

    /** A directory written by {@code gantry train} (or copied out of a store). */
    record Directory(Path dir) implements CheckpointTarget {}

    /** A trial's checkpoint: {@code step} null for the trial's latest. */
    record InCluster(String trialId, Long step) implements CheckpointTarget {}

    /** A cluster checkpoint looked up in the cluster's view. */
    record Resolved(TrialState trial, long step, String uri) {}

    static CheckpointTarget parse(String text, Long stepOption) {
        if (Files.isDirectory(Path.of(text)) && !text.contains("://")) {
            if (stepOption != null) {
                throw ExitException.badInput("--step is for trials in the cluster; " + text + " is one checkpoint already");
            }
            return new Directory(Path.of(text));
        }
        Optional<ClusterLayout.CheckpointAt> uri = ClusterLayout.parseCheckpoint(text);
        if (uri.isPresent()) {
            return new InCluster(uri.get().trialId(), uri.get().step());
        }
        int at = text.lastIndexOf('@');
        if (at > 0) {
            try {
                return new InCluster(text.substring(0, at), Long.parseLong(text.substring(at + 1)));
            } catch (NumberFormatException e) {
                throw ExitException.badInput(text + ": the step after '@' must be a number");
            }
        }
        if (text.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            return new InCluster(text, stepOption);
        }
        throw ExitException.badInput(text + ": expected " + SYNTAX);
    }

    /** The trial and the checkpoint's URI, from the cluster's trial states. */
    static Resolved resolve(InCluster target, ClusterOptions cluster) {
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            TrialState trial = view.catchUp().trial(target.trialId()).orElseThrow(() -> ExitException.badInput(
                    "no trial '" + target.trialId() + "' (gantry status EXPERIMENT lists them)"));
            long step = target.step() != null ? target.step() : trial.getStep();
            return new Resolved(trial, step, ClusterLayout.checkpointUri(trial.getSettings().getCheckpointRoot(),
                    target.trialId(), step));
        }
    }

    /** Reads and decodes the checkpoint, verifying every object against its manifest. */
    static TrainingState load(CheckpointTarget target, ClusterOptions cluster, NDManager manager) {
        if (target instanceof Directory d) {
            return CheckpointCodec.decode(CheckpointDirectory.read(d.dir()), manager, d.dir().toString());
        }
        Resolved r = resolve((InCluster) target, cluster);
        try (Stores stores = new Stores(S3Settings.fromEnvironment())) {
            Stores.Location at = stores.locate(r.uri());
            CheckpointStore store = new CheckpointStore(at.store());
            if (!store.exists(at.keyPrefix())) {
                throw ExitException.badInput(r.uri() + ": no checkpoint (kept steps: " + r.trial().getKeptList().stream()
                        .map(c -> String.valueOf(c.getStep())).toList() + ")");
            }
            Map<String, byte[]> files = store.read(at.keyPrefix());
            return CheckpointCodec.decode(files, manager, r.uri());
        }
    }
}
