package dev.gantry.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.testing.TinySpecs;
import dev.gantry.testing.cluster.Awaits;
import dev.gantry.data.FashionMnist;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.storage.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gantry as it is deployed: the project's image for every role, Kafka and S3 containers, and
 * faults injected through Docker (kill, restart, scale).
 */
class DeploymentTest {
    private static final Duration LIMIT = Duration.ofMinutes(8);

    @TempDir
    static Path dir;

    @BeforeAll
    static void requireDocker() {
        GantryContainers.requireDocker();
    }

    static String spec(String name, long steps, long segment, int channels, int batch, int trials, String evaluation) {
        StringBuilder seeds = new StringBuilder();
        for (int i = 0; i < trials; i++) {
            seeds.append(i == 0 ? "" : ", ").append(i + 1);
        }
        return TinySpecs.cluster(name, steps, channels, batch,
                "seeds: [" + seeds + "]\nsegmentSteps: " + segment + "\nevaluation: " + evaluation + "\n");
    }

    @Test
    void anExperimentRunsToCompletionWithEvaluations() throws Exception {
        Path net = dir.resolve("featurenet");
        FashionFeatureNet.train(FashionMnist.load(null, "train", 32, dir).head(2000),
                FashionMnist.load(null, "test", 32, dir).head(200), 1, 0, net, s -> { });
        try (GantryContainers cluster = new GantryContainers(dir.resolve("logs-complete"))) {
            cluster.coordinator();
            cluster.trainWorker("train-1", 2);
            cluster.start("eval-1", List.of("worker", "eval", "--worker-id", "eval-1", "--featurenet", "/featurenet"),
                    Map.of(), net);
            String id = submit(cluster, spec("complete", 6, 2, 4, 8, 1, "{everySteps: 4, samplesPerClass: 10}"));
            try (ClusterView view = new ClusterView(cluster.hostKafka())) {
                TrialState t = awaits(cluster, view).finished(id, 1).get(0);
                assertEquals(TrialState.Phase.DONE, t.getPhase(), t.toString());
                List<EvaluationResult> results = view.results(t.getTrial().getTrialId());
                assertEquals(List.of(4L, 6L), results.stream().map(EvaluationResult::getStep).toList());
                assertTrue(results.stream().allMatch(r -> r.getFid() > 0 && r.getPerClassFidCount() == 10));
                assertTrue(t.getLatest().getUri().startsWith("s3://gantry/experiments/" + id + "/"), t.getLatest().getUri());
            }
        }
    }

    @Test
    void aKilledTrainingWorkerLeavesTheSameFinalState() throws Exception {
        try (GantryContainers cluster = new GantryContainers(dir.resolve("logs-kill"))) {
            cluster.coordinator();
            cluster.trainWorker("train-1", 1);
            String yaml = spec("kill", 24, 12, 8, 32, 1, "{finalStep: false}");
            String straight = submit(cluster, yaml);
            try (ClusterView view = new ClusterView(cluster.hostKafka())) {
                TrialState reference = awaits(cluster, view).finished(straight, 1).get(0);
                String killedRun = submit(cluster, yaml);
                WorkerProgress p = awaits(cluster, view).progress(killedRun + "-t000", q -> q.getStep() > 12 && q.getStep() < 24);
                cluster.kill(p.getWorkerId());
                cluster.trainWorker("train-2", 1);
                TrialState after = awaits(cluster, view).finished(killedRun, 1).get(0);
                assertEquals(TrialState.Phase.DONE, after.getPhase(), after.toString());
                assertEquals(files(cluster, reference.getLatest().getUri()), files(cluster, after.getLatest().getUri()),
                        "the segment redone after docker kill gives the same checkpoint files");
            }
        }
    }

    @Test
    void restartingKafkaLosesNothing() throws Exception {
        try (GantryContainers cluster = new GantryContainers(dir.resolve("logs-restart"))) {
            cluster.coordinator();
            cluster.trainWorker("train-1", 2);
            String id = submit(cluster, spec("restart", 12, 2, 4, 8, 2, "{finalStep: false}"));
            try (ClusterView view = new ClusterView(cluster.hostKafka())) {
                awaits(cluster, view).trial(id + "-t000", t -> t.getStep() >= 2);
            }
            cluster.restartKafka();
            try (ClusterView view = new ClusterView(cluster.hostKafka())) {
                List<TrialState> done = awaits(cluster, view).finished(id, 2);
                for (TrialState t : done) {
                    assertEquals(TrialState.Phase.DONE, t.getPhase(), t.toString());
                    assertEquals(12, t.getStep());
                }
            }
        }
    }

    /**
     * Any worker continues any trial: workers added to a running experiment take its segments, and
     * each of the three commits segments of trials the others started. Throughput ratios are a
     * benchmark's business (gantry bench runtime), not a timed assertion on a shared 2-core machine.
     */
    @Test
    void workersAddedToARunningExperimentShareItsTrials() throws Exception {
        try (GantryContainers cluster = new GantryContainers(dir.resolve("logs-scale"))) {
            cluster.coordinator();
            cluster.trainWorker("train-1", 1);
            String id = submit(cluster, spec("scale", 100_000, 5, 8, 32, 6, "{finalStep: false}"));
            try (ClusterView view = new ClusterView(cluster.hostKafka())) {
                awaits(cluster, view).trial(id + "-t000", t -> t.getStep() >= 5);  // first segment committed
                double one = stepsPerSecond(view, id, Duration.ofSeconds(20));
                cluster.trainWorker("train-2", 1);
                cluster.trainWorker("train-3", 1);
                Set<String> committers = new TreeSet<>();
                Set<String> trialsContinuedElsewhere = new TreeSet<>();
                Map<String, String> firstWorker = new HashMap<>();
                long deadline = System.nanoTime() + LIMIT.toNanos();
                while (committers.size() < 3 || trialsContinuedElsewhere.isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "segments committed by " + committers
                            + ", trials continued by another worker " + trialsContinuedElsewhere + "\n" + cluster.logTails(15));
                    for (TrialState t : view.poll(Duration.ofMillis(500)).experiment(id)) {
                        if (t.getStep() == 0 || t.getWorkerId().isEmpty()) {
                            continue;
                        }
                        committers.add(t.getWorkerId());
                        String first = firstWorker.putIfAbsent(t.getTrial().getTrialId(), t.getWorkerId());
                        if (first != null && !first.equals(t.getWorkerId())) {
                            trialsContinuedElsewhere.add(t.getTrial().getTrialId());
                        }
                    }
                }
                assertEquals(Set.of("train-1", "train-2", "train-3"), committers);
                double three = stepsPerSecond(view, id, Duration.ofSeconds(20));
                System.out.printf("throughput (informative): 1 worker %.2f steps/s, 3 workers %.2f steps/s%n", one, three);
                try (ExperimentClient client = new ExperimentClient(cluster.hostKafka())) {
                    client.cancel(id, "scale test over");
                }
            }
        }
    }

    // ---- helpers ----

    private static Awaits awaits(GantryContainers cluster, ClusterView view) {
        return new Awaits(cluster, view, LIMIT);
    }

    private static String submit(GantryContainers cluster, String yaml) {
        try (ExperimentClient client = new ExperimentClient(cluster.hostKafka())) {
            return client.submit(yaml, "system-test.yaml", null);
        }
    }

    /** Committed generator steps of the experiment per second over {@code window}, from trial states. */
    private static double stepsPerSecond(ClusterView view, String id, Duration window) {
        long start = committed(view.catchUp(), id);
        long t0 = System.nanoTime();
        long deadline = t0 + window.toNanos();
        while (System.nanoTime() < deadline) {
            view.poll(Duration.ofMillis(500));
        }
        return (committed(view, id) - start) / ((System.nanoTime() - t0) / 1e9);
    }

    private static long committed(ClusterView view, String id) {
        return view.experiment(id).stream().mapToLong(TrialState::getStep).sum();
    }

    private static Map<String, String> files(GantryContainers cluster, String uri) {
        try (Stores stores = new Stores(cluster.hostS3())) {
            Stores.Location at = stores.locate(uri);
            String manifest = new String(at.store().get(at.keyPrefix() + "MANIFEST.json").orElseThrow());
            return Map.of("files", manifest.substring(manifest.indexOf("\"files\"")));
        }
    }




}
