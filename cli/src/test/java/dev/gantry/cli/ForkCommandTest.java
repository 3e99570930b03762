package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.client.ClusterView;
import dev.gantry.config.ExitStatus;
import dev.gantry.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'gantry fork' refuses mistakes before anything reaches Kafka, naming the key or the step (a
 * broker and a coordinator, no workers: the trial stays pending; the fork itself through the cluster
 * is local's ForkClusterTest).
 */
class ForkCommandTest {
    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static String trial;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.start(new LocalCluster.Options(dir.resolve("cluster"), false, 1, dir.resolve("featurenet"),
                dir.resolve("cache"), 3000, List.of("-Xmx512m")));
        Path spec = dir.resolve("tiny.yaml");
        Files.writeString(spec, """
                name: tiny
                dataset: {kind: fashion-mnist}
                model: {zDim: 16, generator: {channels: 2}, discriminator: {channels: 2}}
                training: {seed: 3, steps: 8, batchSize: 8}
                experiment: {segmentSteps: 2}
                """);
        CliRun submit = gantry("submit", spec.toString(), "--id", "forkcli");
        assertEquals(0, submit.status(), submit.err());
        trial = "forkcli-t000";
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (view.poll(Duration.ofMillis(500)).trial(trial).isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static CliRun gantry(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--bootstrap";
        all[args.length + 1] = cluster.kafka().bootstrapServers();
        return CliRun.of(all);
    }

    @Test
    void mistakesAreRefusedNamingTheKeyOrStep() {
        CliRun unknown = gantry("fork", trial + "@2", "--set", "training.lrg=2e-4");
        assertEquals(ExitStatus.BAD_INPUT, unknown.status());
        assertTrue(unknown.err().contains("training.lrg: not a key a fork may set"), unknown.err());

        CliRun shape = gantry("fork", trial + "@2", "--set", "model.generator.channels=8");
        assertEquals(ExitStatus.BAD_INPUT, shape.status());
        assertTrue(shape.err().contains("model.generator.channels: changes the model's shape"), shape.err());

        CliRun every = gantry("fork", trial + "@2", "--set", "evaluation.everySteps=3");
        assertEquals(ExitStatus.BAD_INPUT, every.status());
        assertTrue(every.err().contains("evaluation.everySteps: 3 is not a multiple"), every.err());

        CliRun notKept = gantry("fork", trial + "@2", "--set", "training.lrG=2e-4");
        assertEquals(ExitStatus.BAD_INPUT, notKept.status());
        assertTrue(notKept.err().contains(trial + "@2: not a checkpoint the trial keeps (kept: []"), notKept.err());

        CliRun malformed = gantry("fork", trial, "--set", "training.lrG=2e-4");
        assertEquals(ExitStatus.BAD_INPUT, malformed.status());
        assertTrue(malformed.err().contains("TRIAL@STEP"), malformed.err());

        CliRun missing = gantry("fork", "nope-t000@2");
        assertEquals(ExitStatus.BAD_INPUT, missing.status());
        assertTrue(missing.err().contains("no trial 'nope-t000'"), missing.err());
    }
}
