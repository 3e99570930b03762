package dev.gantry.data;

import dev.gantry.checkpoint.Mutations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Mutated CIFAR-10 binary batches and class-name files: loading either succeeds or is refused with
 * the data module's own {@link DatasetException}.
 */
class Cifar10FuzzTest {
    private static final int RECORD = 3073;
    private static Path dir;

    @BeforeContainer
    static void directory() throws IOException {
        dir = Files.createTempDirectory("cifar-fuzz");
    }

    @AfterContainer
    static void removeIt() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static byte[] batch(int records) {
        byte[] b = new byte[records * RECORD];
        for (int r = 0; r < records; r++) {
            b[r * RECORD] = (byte) (r % 10);
            for (int i = 1; i < RECORD; i++) {
                b[r * RECORD + i] = (byte) (i * 13 + r);
            }
        }
        return b;
    }

    private static final byte[] META = String.join("\n", Cifar10.DEFAULT_CLASS_NAMES).concat("\n")
            .getBytes(StandardCharsets.UTF_8);

    @Property(tries = 1500, seed = "20261201")
    void mutatedBatchesLoadOrAreRefused(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] batch = batch(3);
        byte[] meta = META;
        switch (random.nextInt(3)) {
            case 0 -> batch = Mutations.mutate(batch, random, edits);
            case 1 -> meta = Mutations.mutate(meta, random, edits);
            default -> {
                batch = Mutations.mutate(batch, random, edits);
                meta = Mutations.mutate(meta, random, edits);
            }
        }
        Files.write(dir.resolve("test_batch.bin"), batch);
        Files.write(dir.resolve("batches.meta.txt"), meta);
        try {
            Cifar10.load(dir, "test", new int[] {32, 16, 40}[random.nextInt(3)]);
        } catch (DatasetException expected) {
            // the data module's own error
        }
    }
}
