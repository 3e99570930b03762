package dev.gantry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.cluster.MetricNames;
import dev.gantry.coordinator.InProcessCoordinator;
import dev.gantry.coordinator.TrialScheduler;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.PbtDecision;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecLoader;
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
 * PBT end to end without Kafka, on S3 (S3Mock): the scheduler's exploit decisions, the fork copy
 * they go through ({@link InProcessCoordinator#evaluated}) and real training segments of the tiny
 * model. Two members decide every 2 steps (synthetic FIDs): at step 2 member 0 exploits member 1,
 * at step 4 member 1 exploits member 0's child, so the last child's lineage has three links; its
 * replay ('gantry train --lineage') reproduces the cluster's final state-sha256 bit for bit, with
 * the explored learning rate in the optimizer from the fork's first step.
 */
class PbtReplayTest {
    private static final String EXPERIMENT = "pbt-e2e";
    private static final String ROOT = "s3://gantry-pbt/root/";

    @TempDir
    Path work;

    @Test
    void aPbtChildReplaysFromItsLineageToTheClustersFinalStateHash() throws Exception {
        Path images = ForkReplayTest.imageFolder(work.resolve("images"));
        String yaml = TinySpecs.yaml("").replace("kind: fashion-mnist", "kind: image-folder\n  channels: 1\n  path: "
                + images).replace("steps: 4", "steps: 6") + """
                experiment:
                  segmentSteps: 2
                  retention: {keepLatest: 2}
                  evaluation: {everySteps: 0, finalStep: false}
                  search:
                    kind: pbt
                    population: 2
                    seed: 11
                    interval: 2
                    quantile: 0.5
                    space: {training.lrG: {loguniform: [1.0e-4, 1.0e-3]}}
                    mutations: {training.lrG: {perturb: [0.5, 2.0]}}
                """;
        try (S3MockServer s3 = S3MockServer.start(java.nio.file.Files.createDirectories(work.resolve("s3")));
                Stores stores = new Stores(s3.settings())) {
            try (S3ObjectStore bucket = new S3ObjectStore(s3.settings(), "gantry-pbt")) {
                bucket.createBucketIfMissing();
            }
            InProcessCoordinator coordinator = new InProcessCoordinator(stores, ROOT);
            SegmentRunner runner = new SegmentRunner(stores, StoreRoots.of(List.of(ROOT, images.toString())),
                    work.resolve("cache"));
            String m0 = TrialScheduler.trialId(EXPERIMENT, 0);
            String m1 = TrialScheduler.trialId(EXPERIMENT, 1);

            runAll(coordinator, runner, coordinator.submit(EXPERIMENT, yaml));
            assertEquals(2, coordinator.trial(m0).orElseThrow().getStep(), "members wait at the interval");
            runAll(coordinator, runner, coordinator.evaluated(result(coordinator, m1, 2, 1.0)));  // continues to 4
            // A coordinator killed after the exploit's copy, before its transaction: the restarted one reads the
            // same result again from the same trial states, finds the copy committed and makes the same fork.
            InProcessCoordinator killed = new InProcessCoordinator(stores, ROOT);
            coordinator.trials().forEach(killed::restore);
            List<TrainingTask> beforeCrash = killed.evaluated(result(coordinator, m0, 2, 5.0));
            List<TrainingTask> exploit = coordinator.evaluated(result(coordinator, m0, 2, 5.0));
            assertEquals(beforeCrash, exploit, "the same child, from the same checkpoint copy");
            assertEquals(killed.trial(m0).orElseThrow().getPbtList(), coordinator.trial(m0).orElseThrow().getPbtList());
            PbtDecision first = coordinator.trial(m0).orElseThrow().getPbt(0);
            assertTrue(first.getExploited());
            assertEquals(m1, first.getWinnerTrialId());
            assertEquals(1, exploit.size(), coordinator.trial(first.getChildTrialId()).map(TrialState::getFailureReason)
                    .orElse("no child"));
            String child = first.getChildTrialId();
            assertTrue(coordinator.evaluated(result(coordinator, m0, 2, 5.0)).isEmpty(), "a duplicate result: no fork");
            runAll(coordinator, runner, exploit);  // the child trains 2 -> 4 and waits
            assertEquals(4, coordinator.trial(child).orElseThrow().getStep());

            runAll(coordinator, runner, coordinator.evaluated(result(coordinator, child, 4, 2.0)));  // continues to 6
            List<TrainingTask> second = coordinator.evaluated(result(coordinator, m1, 4, 3.0));
            PbtDecision again = coordinator.trial(m1).orElseThrow().getPbt(1);
            assertTrue(again.getExploited());
            assertEquals(child, again.getWinnerTrialId());
            String grandchild = again.getChildTrialId();
            runAll(coordinator, runner, second);
            TrialState finished = coordinator.trial(grandchild).orElseThrow();
            assertEquals(TrialState.Phase.DONE, finished.getPhase());
            assertEquals(6, finished.getStep());
            assertEquals(1, finished.getPbtMember(), "the grandchild fills member 1's slot");

            Lineage lineage = Lineages.of(finished);
            assertEquals(List.of(m1, child, grandchild), lineage.links().stream().map(Lineage.Link::trialId).toList());
            assertEquals(List.of(0L, 2L, 4L), lineage.links().stream().map(Lineage.Link::fromStep).toList());
            double explored = SpecLoader.parse(finished.getSpecYaml(), "grandchild").training().lrG();
            assertEquals(Double.parseDouble(again.getOverridesOrThrow("training.lrG")), explored);
            Stores.Location last = stores.locate(finished.getLatest().getUri());
            ExperimentSpec spec = lineage.spec();
            LabeledImages data = Datasets.open(spec.dataset(), spec.model().imageSize(),
                    new CacheLayout(work.resolve("cache")).fashionMnistDownloads());
            try (NDManager manager = NDManager.newBaseManager()) {
                String cluster;
                try (TrainingState state = CheckpointCodec.decode(new CheckpointStore(last.store()).read(last.keyPrefix()),
                        manager, finished.getLatest().getUri())) {
                    cluster = StateHash.of(state);
                    assertEquals(explored, state.generatorOptimizer().hyper().lr(), "the explored lrG from the fork on");
                }
                try (TrainingState replayed = LineageReplay.replay(Lineage.parse(lineage.toJsonString(), "file"), 6, data,
                        manager, (link, stats) -> { })) {
                    assertEquals(cluster, StateHash.of(replayed), "replay of the PBT lineage == the cluster's final state");
                }
            }
        }
    }

    private static EvaluationResult result(InProcessCoordinator coordinator, String trialId, long step, double fid) {
        TrialState t = coordinator.trial(trialId).orElseThrow();
        CheckpointRef at = t.getKeptList().stream().filter(c -> c.getStep() == step).findFirst().orElseThrow();
        return EvaluationResult.newBuilder().setTrial(t.getTrial()).setStep(step).setCheckpoint(at).setFid(fid)
                .setIntraFid(fid).setMetricDefinition(MetricNames.definition("fmnist-cnn-v1", "test", 0, 0)).build();
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
