package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.config.ExitStatus;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.ForkOverrides;
import dev.gantry.spec.SpecLoader;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 'gantry train --lineage FILE' in fresh JVMs: a root-only lineage is its spec; a fork replays its own trajectory. */
class TrainLineageCommandTest {
    @TempDir
    Path work;

    @Test
    void aLineageFileReplaysInOneProcess() throws Exception {
        Path images = work.resolve("images");
        Random random = new Random(1);
        for (String cls : List.of("a", "b")) {
            Files.createDirectories(images.resolve(cls));
            for (int i = 0; i < 8; i++) {
                BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < 32 * 32; p++) {
                    int v = random.nextInt(256);
                    img.setRGB(p % 32, p / 32, 0xff000000 | v << 16 | v << 8 | v);
                }
                ImageIO.write(img, "png", images.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        String yaml = """
                name: tiny
                dataset: {kind: image-folder, path: %s, channels: 1}
                model:
                  zDim: 16
                  generator: {channels: 2, attention: [feat16]}
                  discriminator: {channels: 2, attention: [feat16]}
                training: {seed: 3, steps: 4, batchSize: 8}
                """.formatted(images);
        Path spec = work.resolve("tiny.yaml");
        Files.writeString(spec, yaml);
        Lineage root = Lineage.root("t000", yaml, SpecLoader.parse(yaml, "tiny"), Map.of());
        Files.writeString(work.resolve("root.json"), root.toJsonString());
        ForkOverrides.Child child = ForkOverrides.apply(yaml, 2, Map.of("training.lrG", "5e-4"), 4L, "fork");
        Lineage fork = root.fork("f1", 2, child.specYaml(), child.spec(), child.overrides(), "");
        // as 'gantry results --format json' writes it: the lineage inside a trial of a results file
        Files.writeString(work.resolve("results.json"), "{\"trials\": [{\"trial\": \"f1\", \"lineage\": "
                + fork.toJsonString() + "}]}");

        GantryProcess.Result direct = GantryProcess.run(work, "train", spec.toString(), "--out", "direct");
        assertEquals(0, direct.exitCode(), direct.stderr());
        GantryProcess.Result replayRoot = GantryProcess.run(work, "train", "--lineage", "root.json", "--out", "r0");
        assertEquals(0, replayRoot.exitCode(), replayRoot.stderr());
        assertEquals(direct.lastLine(), replayRoot.lastLine(), "a root-only lineage is its spec from step 0");
        GantryProcess.Result replayFork = GantryProcess.run(work, "train", "--lineage", "results.json", "--trial", "f1",
                "--out", "r1");
        assertEquals(0, replayFork.exitCode(), replayFork.stderr());
        assertTrue(replayFork.lastLine().matches("state-sha256 [0-9a-f]{64}"), replayFork.stdout());
        assertNotEquals(direct.lastLine(), replayFork.lastLine(), "the fork's lrG applies from step 2");
        assertTrue(replayFork.stderr().contains("f1 from step 2 (fork of t000)"), replayFork.stderr());

        Files.writeString(work.resolve("edited.json"), fork.toJsonString().replace("seed: 3", "seed: 4"));
        GantryProcess.Result edited = GantryProcess.run(work, "train", "--lineage", "edited.json", "--out", "r2");
        assertEquals(ExitStatus.BAD_INPUT, edited.exitCode());
        assertTrue(edited.stderr().contains("spec hashes to"), edited.stderr());
    }
}
