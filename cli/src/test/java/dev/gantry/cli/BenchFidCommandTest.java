package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'gantry bench fid' runs KID and precision/recall on both sides and they agree. Values only: the
 * speed is what the bench prints, never something a test waits for. In its own JVM, since the
 * bench sets the engine's thread count.
 */
class BenchFidCommandTest {
    private static final Pattern DIFFERENCE = Pattern.compile("relative difference ([0-9.eE+-]+);");

    @Test
    void kidAndPrecisionRecallAgreeWithTheNumpyReference(@TempDir Path work) throws Exception {
        GantryProcess.Result result = GantryProcess.run(work, "bench", "fid", "--no-frechet", "--dim", "64", "--features",
                "300", "--kid-subsets", "3", "--kid-subset-size", "100");
        assertEquals(0, result.exitCode(), result.stderr());
        assertFalse(result.stdout().contains("not run"), result.stdout());
        List<String> differences = DIFFERENCE.matcher(result.stdout()).results().map(m -> m.group(1)).toList();
        assertEquals(2, differences.size(), "one per metric:\n" + result.stdout());
        for (String d : differences) {
            assertTrue(Double.parseDouble(d) < 1e-6, result.stdout());
        }
        assertTrue(result.stdout().contains("KID, 3 subsets of 100"), result.stdout());
        assertTrue(result.stdout().contains("time ratio reference/gantry"), result.stdout());
    }
}
