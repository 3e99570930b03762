package dev.gantry.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an eval worker's reference-statistics cache (one directory per data set, extractor and
 * size: statistics and real features, all recomputable) under a size limit: the entries used
 * longest ago go first, never the one in use. Use is marked by touching the entry's directory.
 * Several eval workers may share one cache (a volume): an entry any of them used in the last
 * {@link #IN_USE} is left alone (the cache may stay over its limit until it ages), and an entry
 * another worker deleted meanwhile simply counts as evicted.
 */
final class StatisticsCacheBudget {
    private static final Logger log = LoggerFactory.getLogger(StatisticsCacheBudget.class);
    static final java.time.Duration IN_USE = java.time.Duration.ofMinutes(30);
    private final Path root;
    private final long maxBytes;

    StatisticsCacheBudget(Path root, long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("cache limit must not be negative (got " + maxBytes + ")");
        }
        this.root = root;
        this.maxBytes = maxBytes;
    }

    /** Marks {@code entry} as just used and evicts the least recently used others until the cache fits. */
    void used(Path entry) {
        try {
            if (Files.isDirectory(entry)) {
                Files.setLastModifiedTime(entry, FileTime.fromMillis(System.currentTimeMillis()));
            }
            evict(entry);
        } catch (IOException | UncheckedIOException e) {
            // A cache that could not be trimmed now is trimmed after the next evaluation; the result stands.
            log.warn("statistics cache: eviction skipped: {}", e.getMessage());
        }
    }

    private void evict(Path entry) throws IOException {
        record Entry(Path dir, long bytes, FileTime used) {}
        List<Entry> entries = new ArrayList<>();
        long total = 0;
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                try {
                    long bytes = size(dir);
                    total += bytes;
                    entries.add(new Entry(dir, bytes, Files.getLastModifiedTime(dir)));
                } catch (NoSuchFileException | UncheckedIOException gone) {
                    // evicted by another worker sharing this cache
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::used));
        long recent = System.currentTimeMillis() - IN_USE.toMillis();
        for (Entry e : entries) {
            if (total <= maxBytes) {
                break;
            }
            if (e.dir().equals(entry) || e.used().toMillis() > recent) {
                continue;
            }
            deleteTree(e.dir());
            total -= e.bytes();
            log.info("statistics cache over {} bytes: evicted {} ({} bytes, last used {})", maxBytes, e.dir().getFileName(),
                    e.bytes(), e.used());
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;  // deleted meanwhile by another process sharing the cache
                }
            }).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (java.nio.file.DirectoryNotEmptyException racing) {
                    return;  // another worker is writing into it: leave it
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
