package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.config.ExitStatus;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'gantry train' and 'gantry sample' in fresh JVMs on real Fashion-MNIST with a tiny model: resume
 * is bitwise exact, runs are deterministic, bad input is refused with a named field or file.
 */
class TrainCommandTest {
    @TempDir
    static Path work;
    static Path spec;

    @BeforeAll
    static void writeSpec() throws Exception {
        spec = work.resolve("tiny.yaml");
        Files.writeString(spec, """
                name: tiny
                dataset: {kind: fashion-mnist}
                model:
                  zDim: 16
                  generator: {channels: 2, attention: [feat16]}
                  discriminator: {channels: 2, attention: [feat16]}
                training: {seed: 3, steps: 6, batchSize: 8}
                """);
    }

    @Test
    void resumingInAFreshJvmGivesTheSameStateAsTrainingStraightThrough() throws Exception {
        GantryProcess.Result straight = GantryProcess.run(work, "train", spec.toString(), "--steps", "6", "--out", "straight");
        assertEquals(0, straight.exitCode(), straight.stderr());
        GantryProcess.Result again = GantryProcess.run(work, "train", spec.toString(), "--out", "again");
        assertEquals(0, again.exitCode(), again.stderr());
        GantryProcess.Result first = GantryProcess.run(work, "train", spec.toString(), "--steps", "2", "--out", "part1");
        assertEquals(0, first.exitCode(), first.stderr());
        GantryProcess.Result rest = GantryProcess.run(work, "train", spec.toString(), "--steps", "4", "--resume", "part1",
                "--out", "part2");
        assertEquals(0, rest.exitCode(), rest.stderr());

        assertTrue(straight.lastLine().matches("state-sha256 [0-9a-f]{64}"), straight.stdout());
        assertEquals(straight.lastLine(), again.lastLine(), "two runs of the same spec are identical");
        assertNotEquals(straight.lastLine(), first.lastLine());
        assertEquals(straight.lastLine(), rest.lastLine(), "2 + 4 steps across JVMs == 6 straight steps");
        assertTrue(Files.exists(work.resolve("part2/MANIFEST.json")));

        GantryProcess.Result sample = GantryProcess.run(work, "sample", "part2", "--out", "grid.png", "--per-class", "3",
                "--attention");
        assertEquals(0, sample.exitCode(), sample.stderr());
        BufferedImage grid = ImageIO.read(work.resolve("grid.png").toFile());
        // 10 rows of 64-pixel cells (+2 padding); label column + 3 samples + image + 3 attention maps
        assertEquals(10 * 66 + 2, grid.getHeight());
        assertEquals(96 + 7 * 66 + 6, grid.getWidth());
    }

    @Test
    void badInputIsRefusedWithTheFieldOrFileNamedAndNothingWritten() throws Exception {
        Path bad = work.resolve("bad.yaml");
        Files.writeString(bad, "name: bad\ndataset: {kind: fashion-mnist}\ntraining:\n  batchSize: 0\n");
        GantryProcess.Result invalid = GantryProcess.run(work, "train", bad.toString(), "--steps", "1", "--out", "nope");
        assertEquals(ExitStatus.BAD_INPUT, invalid.exitCode());
        assertTrue(invalid.stderr().contains("bad.yaml:4: training.batchSize: must be between 1 and 4096 (got 0)"),
                invalid.stderr());
        assertFalse(Files.exists(work.resolve("nope")));

        GantryProcess.Result resumeMissing = GantryProcess.run(work, "train", spec.toString(), "--steps", "1", "--resume",
                "missing", "--out", "nope2");
        assertEquals(ExitStatus.BAD_INPUT, resumeMissing.exitCode());
        assertTrue(resumeMissing.stderr().contains("missing: no MANIFEST.json"), resumeMissing.stderr());

        Path other = work.resolve("other.yaml");
        Files.writeString(other, Files.readString(spec).replace("seed: 3", "seed: 4"));
        GantryProcess.Result base = GantryProcess.run(work, "train", spec.toString(), "--steps", "1", "--out", "base");
        assertEquals(0, base.exitCode(), base.stderr());
        byte[] manifest = Files.readAllBytes(work.resolve("base/MANIFEST.json"));
        GantryProcess.Result mismatch = GantryProcess.run(work, "train", other.toString(), "--steps", "1", "--resume",
                "base", "--out", "nope3");
        assertEquals(ExitStatus.BAD_INPUT, mismatch.exitCode());
        assertTrue(mismatch.stderr().contains("trained with a different spec"), mismatch.stderr());
        GantryProcess.Result overwrite = GantryProcess.run(work, "train", spec.toString(), "--steps", "1", "--out", "base");
        assertEquals(ExitStatus.BAD_INPUT, overwrite.exitCode());
        assertTrue(overwrite.stderr().contains("already holds a committed checkpoint"), overwrite.stderr());
        assertEquals(new String(manifest), Files.readString(work.resolve("base/MANIFEST.json")), "stored checkpoint intact");
    }

    @Test
    void selftestPrintsEachCheckAndPasses() throws Exception {
        GantryProcess.Result result = GantryProcess.run(work, "selftest");
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("conv3x3 input grad, 3 out ch"), result.stdout());
        assertTrue(result.stdout().contains("spectral norm sigma vs exact SVD"), result.stdout());
    }
}
