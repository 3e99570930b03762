package dev.gantry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.coordinator.InProcessCoordinator;
import dev.gantry.coordinator.TrialScheduler;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.storage.S3ObjectStore;
import dev.gantry.storage.StoreRoots;
import dev.gantry.storage.Stores;
import dev.gantry.testing.TinySpecs;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.LineageReplay;
import dev.gantry.training.StateHash;
import dev.gantry.training.TrainingState;
import dev.gantry.transport.Lineages;
import dev.gantry.worker.SegmentRunner;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fork end to end without Kafka, on S3 (S3Mock): the coordinator's scheduler and fork copy
 * ({@link InProcessCoordinator}) and the training workers' own {@link SegmentRunner} on
 * images with the tiny model. A parent trains 4 steps, a child forks its step-2 checkpoint
 * with another lrG, the parent's checkpoints are deleted, the child trains to step 6, and
 * {@link LineageReplay} (what 'gantry train --lineage' runs) reproduces the child's final
 * state-sha256 bit for bit from the lineage alone.
 */
class ForkReplayTest {
    private static final String EXPERIMENT = "fork-e2e";
    private static final String ROOT = "s3://gantry-fork/root/";

    @TempDir
    Path work;

    @Test
    void aForkedTrialReplaysFromItsLineageToTheClustersFinalStateHash() throws Exception {
        Path images = imageFolder(work.resolve("images"));
        String yaml = TinySpecs.yaml("").replace("kind: fashion-mnist", "kind: image-folder\n  channels: 1\n  path: "
                + images) + "experiment:\n  segmentSteps: 2\n  retention: {keepLatest: 2}\n"
                + "  evaluation: {everySteps: 0, finalStep: false}\n";
        try (S3MockServer s3 = S3MockServer.start(java.nio.file.Files.createDirectories(work.resolve("s3")));
                Stores stores = new Stores(s3.settings())) {
            try (S3ObjectStore bucket = new S3ObjectStore(s3.settings(), "gantry-fork")) {
                bucket.createBucketIfMissing();
            }
            InProcessCoordinator coordinator = new InProcessCoordinator(stores, ROOT);
            SegmentRunner runner = new SegmentRunner(stores, StoreRoots.of(List.of(ROOT, images.toString())), work.resolve("cache"));
            String parent = TrialScheduler.trialId(EXPERIMENT, 0);

            runAll(coordinator, runner, coordinator.submit(EXPERIMENT, yaml));
            TrialState done = coordinator.trial(parent).orElseThrow();
            assertEquals(4, done.getStep());
            assertEquals(List.of(2L, 4L), done.getKeptList().stream().map(c -> c.getStep()).toList());

            ForkTrial fork = ForkTrial.newBuilder().setForkId("lr").setParentTrialId(parent).setStep(2)
                    .putOverrides("training.lrG", "5e-4").setTotalSteps(6).build();
            List<TrainingTask> first = coordinator.fork(EXPERIMENT, fork);
            assertEquals(1, first.size(), coordinator.trial(TrialScheduler.forkTrialId(EXPERIMENT, "lr"))
                    .map(TrialState::getFailureReason).orElse("no child"));
            assertTrue(coordinator.fork(EXPERIMENT, fork).isEmpty(), "a duplicated command creates one trial");
            String child = TrialScheduler.forkTrialId(EXPERIMENT, "lr");
            assertEquals(child + "@2-4", first.get(0).getTaskId());
            // Retention of the parent never breaks the child: remove every parent object before the child trains.
            Stores.Location bucket = stores.locate(ROOT);
            String parentPrefix = "root/experiments/" + EXPERIMENT + "/" + parent + "/";
            bucket.store().list(parentPrefix).forEach(bucket.store()::delete);
            assertTrue(bucket.store().list(parentPrefix).isEmpty());
            runAll(coordinator, runner, first);
            TrialState finished = coordinator.trial(child).orElseThrow();
            assertEquals(6, finished.getStep());
            assertEquals(TrialState.Phase.DONE, finished.getPhase());
            assertFalse(new CheckpointStore(bucket.store()).exists("root/experiments/" + EXPERIMENT + "/"
                    + child + "/step-00000002/"), "retention removed the child's copy too once it moved on");

            Stores.Location last = stores.locate(finished.getLatest().getUri());
            Lineage lineage = Lineages.of(finished);
            assertEquals(List.of(parent, child), lineage.links().stream().map(Lineage.Link::trialId).toList());
            ExperimentSpec spec = lineage.spec();
            LabeledImages data = Datasets.open(spec.dataset(), spec.model().imageSize(),
                    new CacheLayout(work.resolve("cache")).fashionMnistDownloads());
            String cluster;
            String straightWithoutFork;
            try (NDManager manager = NDManager.newBaseManager()) {
                try (TrainingState state = CheckpointCodec.decode(new CheckpointStore(last.store()).read(last.keyPrefix()),
                        manager, finished.getLatest().getUri())) {
                    cluster = StateHash.of(state);
                    assertEquals(child, state.lineage().orElseThrow().trialId(), "state.json carries the lineage");
                    assertEquals(5e-4, state.generatorOptimizer().hyper().lr());
                }
                try (TrainingState replayed = LineageReplay.replay(Lineage.parse(lineage.toJsonString(), "file"), 6, data,
                        manager, (link, stats) -> { })) {
                    assertEquals(cluster, StateHash.of(replayed), "replay of the lineage == the cluster's final checkpoint");
                }
                try (TrainingState unforked = LineageReplay.replay(lineage.prefix(1), 6, data, manager, (l, s) -> { })) {
                    straightWithoutFork = StateHash.of(unforked);
                }
            }
            assertNotEquals(straightWithoutFork, cluster, "the fork's lrG changed the trajectory");
        }
    }

    /** Two classes of 12 seeded noise images each: the tiny model trains on anything. */
    static Path imageFolder(Path root) throws Exception {
        java.util.Random random = new java.util.Random(5);
        for (String cls : List.of("a", "b")) {
            java.nio.file.Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < 12; i++) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(32, 32,
                        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int v = random.nextInt(256);
                        img.setRGB(x, y, 0xff000000 | v << 16 | v << 8 | v);
                    }
                }
                javax.imageio.ImageIO.write(img, "png", root.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    /** The workers' loop, in process: run every task, announce its checkpoint, run what that schedules. */
    private static void runAll(InProcessCoordinator coordinator, SegmentRunner runner, List<TrainingTask> tasks) {
        Deque<TrainingTask> queue = new ArrayDeque<>(tasks);
        while (!queue.isEmpty()) {
            TrainingTask task = queue.poll();
            SegmentRunner.Outcome outcome = runner.run(task, (stats, rate) -> { }, () -> false);
            queue.addAll(coordinator.checkpointCommitted(CheckpointEvent.newBuilder().setTrial(task.getTrial())
                    .setCheckpoint(outcome.checkpoint()).setTaskId(task.getTaskId()).setWorkerId("in-process")
                    .setTotalSteps(task.getTotalSteps()).build()));
        }
    }
}
