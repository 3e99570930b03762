package dev.gantry.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.data.FashionMnist;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short chaos run on a real local cluster: faults of every kind the schedule draws (kills,
 * a broker restart, corrupted and deleted checkpoint objects, duplicated, stale and forged
 * messages), then the run's own checks, which must find nothing lost.
 */
class ChaosRunTest {
    @TempDir
    Path dir;

    @Test
    void theSameSeedDrawsTheSameSchedule() {
        FaultSchedule a = new FaultSchedule(7, Duration.ofSeconds(1), Duration.ofSeconds(3));
        FaultSchedule b = new FaultSchedule(7, Duration.ofSeconds(1), Duration.ofSeconds(3));
        List<Object> drawsA = new ArrayList<>();
        List<Object> drawsB = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            drawsA.add(a.nextFault());
            drawsA.add(a.nextGap());
            a.pick(i + 1);  // picks (their number depends on the cluster) do not shift the schedule
            drawsB.add(b.nextFault());
            drawsB.add(b.nextGap());
        }
        assertEquals(drawsA, drawsB);
        assertTrue(drawsA.stream().filter(Duration.class::isInstance).map(Duration.class::cast)
                .allMatch(d -> d.compareTo(Duration.ofSeconds(1)) >= 0 && d.compareTo(Duration.ofSeconds(3)) <= 0));
    }

    @Test
    void aShortChaosRunLosesNothing() throws Exception {
        FashionFeatureNet.train(FashionMnist.load(null, "train", 32, dir).head(2000),
                FashionMnist.load(null, "test", 32, dir).head(200), 1, 0, dir.resolve("featurenet"), s -> { });
        String yaml = """
                name: chaos-test
                dataset: {kind: fashion-mnist}
                model: {imageSize: 32, zDim: 16, generator: {channels: 4}, discriminator: {channels: 4}}
                training: {seed: 3, steps: 90, batchSize: 8}
                experiment:
                  seeds: [1, 2]
                  segmentSteps: 3
                  evaluation: {everySteps: 45, finalStep: true, samplesPerClass: 10}
                  retention: {keepLatest: 1}
                """;
        ExperimentPlan plan = PlanLoader.parse(yaml, "chaos-test.yaml");
        ChaosRun.Options options = new ChaosRun.Options(dir.resolve("run"), 2, 1, 1, dir.resolve("featurenet"),
                dir.resolve("cache"), Duration.ofSeconds(75), Duration.ofMinutes(8), Duration.ofSeconds(2),
                Duration.ofSeconds(5), 11);
        ChaosReport report = ChaosRun.run(plan, yaml, "chaos-test.yaml", options, System.err::println);
        System.out.print(report.table());
        assertTrue(report.nothingLost(), report.table());
        int total = 0;
        for (Fault f : Fault.values()) {
            total += report.injected(f);
        }
        assertTrue(total >= 5, "faults injected: " + total + "\n" + report.table());
        assertTrue(report.injected(Fault.KILL_TRAINING_WORKER) + report.injected(Fault.KILL_COORDINATOR)
                + report.injected(Fault.KILL_EVAL_WORKER) >= 1, "no process was killed\n" + report.table());
        assertEquals(2 + 4, report.checks().size(), "four cluster checks and one bitwise check per trial");
    }
}
