package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 'gantry fid A B' on the NumPy-written fixtures of the evaluation module, like pytorch-fid's CLI. */
class FidCommandTest {
    private static final Path FIXTURES = Path.of(System.getProperty("gantry.repo"), "evaluation", "src", "test",
            "resources", "fid");

    @Test
    void printsTheReferenceFidOfTwoNpzFiles(@TempDir Path work) throws Exception {
        GantryProcess.Result result = GantryProcess.run(work, "fid", FIXTURES.resolve("d64_a.npz").toString(),
                FIXTURES.resolve("d64_b.npz").toString());
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.lastLine().startsWith("FID: "), result.stdout());
        double expected = new ObjectMapper().readTree(FIXTURES.resolve("expected.json").toFile())
                .path("d64").path("pytorch_fid").asDouble();
        assertEquals(expected, Double.parseDouble(result.lastLine().substring(5)), 1e-9 * expected);
    }

    @Test
    void foldersAndMissingFilesGetClearErrors(@TempDir Path work) throws Exception {
        GantryProcess.Result folder = GantryProcess.run(work, "fid", work.toString(), FIXTURES.resolve("d16_a.npz").toString());
        assertEquals(Main.BAD_INPUT, folder.exitCode());
        assertTrue(folder.stderr().contains("image folders need a feature extractor"), folder.stderr());
        GantryProcess.Result missing = GantryProcess.run(work, "fid", "nope.npz", FIXTURES.resolve("d16_a.npz").toString());
        assertEquals(Main.BAD_INPUT, missing.exitCode());
        assertTrue(missing.stderr().contains("nope.npz: no such file"), missing.stderr());
        GantryProcess.Result mismatch = GantryProcess.run(work, "fid", FIXTURES.resolve("d16_a.npz").toString(),
                FIXTURES.resolve("d64_a.npz").toString());
        assertEquals(Main.BAD_INPUT, mismatch.exitCode());
        assertTrue(mismatch.stderr().contains("has dimension 16 but"), mismatch.stderr());
    }
}
