package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.config.ExitStatus;
import dev.gantry.data.FashionMnist;
import dev.gantry.evaluation.features.FashionFeatureNet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gantry local run} as a user runs it: broker, store, coordinator and workers, to the report. */
class LocalRunCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsAnExperimentToTheEndAndWritesTheReport() throws Exception {
        Path net = dir.resolve("featurenet");
        FashionFeatureNet.train(FashionMnist.load(null, "train", 32, dir).head(2000),
                FashionMnist.load(null, "test", 32, dir).head(200), 1, 0, net, s -> { });
        Path spec = dir.resolve("tiny.yaml");
        Files.writeString(spec, """
                name: tiny-local
                dataset: {kind: fashion-mnist}
                model: {imageSize: 32, zDim: 16, generator: {channels: 4}, discriminator: {channels: 4}}
                training: {seed: 2, steps: 4, batchSize: 8}
                experiment:
                  segmentSteps: 2
                  evaluation: {everySteps: 2, samplesPerClass: 10}
                """);
        Path work = dir.resolve("run");
        CliRun r = CliRun.of("local", "run", spec.toString(), "--store", "directory", "--dir", work.toString(),
                "--threads", "1", "--featurenet", net.toString(), "--cache", dir.resolve("cache").toString(), "--timeout", "PT8M");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("fid[fmnist-cnn-v1] against step:") && r.out().matches("(?s).*t000\\s+2:\\d.*4:\\d.*"),
                r.out());
        JsonNode json = new ObjectMapper().readTree(work.resolve("report/results.json").toFile());
        assertEquals("done", json.get("trials").get(0).get("state").asText());
        assertTrue(Files.size(work.resolve("report/index.html")) > 0 && Files.exists(work.resolve("report/fid.png")));
        assertTrue(Files.exists(work.resolve("logs/train-1.log")) && Files.exists(work.resolve("logs/coordinator.log")));
    }

    @Test
    void aBadSpecStopsBeforeAnythingStarts() throws Exception {
        Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, "name: bad\ndataset: {kind: mnist}\n");
        CliRun r = CliRun.of("local", "run", spec.toString(), "--dir", dir.resolve("never").toString());
        assertEquals(ExitStatus.BAD_INPUT, r.status());
        assertTrue(r.err().contains("bad.yaml:2: dataset.kind"), r.err());
        assertTrue(!Files.exists(dir.resolve("never")), "no cluster was started");
    }
}
