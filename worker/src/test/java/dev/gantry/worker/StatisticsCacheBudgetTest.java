package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.config.ExitException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The statistics cache stays under its limit by evicting what was used longest ago, never what is in use. */
class StatisticsCacheBudgetTest {
    @Test
    void leastRecentlyUsedEntriesGoFirstAndTheOneInUseStays(@TempDir Path root) throws Exception {
        Path oldest = entry(root, "a", 400, 1_000);
        Path middle = entry(root, "b", 400, 2_000);
        Path newest = entry(root, "c", 400, 3_000);
        new StatisticsCacheBudget(root, 1_000).used(oldest);  // oldest is in use now: middle goes
        assertTrue(Files.isDirectory(oldest));
        assertFalse(Files.exists(middle));
        assertTrue(Files.isDirectory(newest));
        Files.setLastModifiedTime(oldest, FileTime.fromMillis(1_500));  // its use is long past now
        new StatisticsCacheBudget(root, 100).used(newest);    // over even alone: everything else goes, not it
        assertFalse(Files.exists(oldest));
        assertTrue(Files.isDirectory(newest));
    }

    @Test
    void anEntryAnotherWorkerUsedRecentlyIsLeftAlone(@TempDir Path root) throws Exception {
        Path shared = entry(root, "shared", 400, System.currentTimeMillis() - 60_000);  // used a minute ago elsewhere
        Path mine = entry(root, "mine", 400, 1_000);
        new StatisticsCacheBudget(root, 100).used(mine);
        assertTrue(Files.isDirectory(shared), "possibly in use by another worker sharing the cache");
        assertTrue(Files.isDirectory(mine));
    }

    @Test
    void sizesParseWithUnitsAndBadOnesNameTheFlag() {
        assertEquals(20L << 30, WorkerCommand.bytes("--cache-limit", "20g"));
        assertEquals(500L << 20, WorkerCommand.bytes("--cache-limit", "500M"));
        assertEquals(123, WorkerCommand.bytes("--cache-limit", "123"));
        ExitException e = assertThrows(ExitException.class, () -> WorkerCommand.bytes("--cache-limit", "lots"));
        assertTrue(e.getMessage().contains("--cache-limit"), e.getMessage());
    }

    private static Path entry(Path root, String name, int bytes, long usedAtMs) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.write(dir.resolve("all.npz"), new byte[bytes]);
        Files.setLastModifiedTime(dir, FileTime.fromMillis(usedAtMs));
        return dir;
    }
}
