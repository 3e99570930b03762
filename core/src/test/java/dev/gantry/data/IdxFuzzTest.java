package dev.gantry.data;

import dev.gantry.checkpoint.Mutations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Thousands of mutated IDX image and label files (Fashion-MNIST's format), plain and gzipped:
 * decoding either succeeds or is refused with the data module's own {@link DatasetException}.
 * Headers lie about the count and the dimensions, so only the size checks stand between a
 * 100-byte file and an allocation of gigabytes.
 */
class IdxFuzzTest {
    static final int COUNT = 6;
    static final int ROWS = 5;
    static final int COLS = 4;
    /** Model sizes that take each path of ImageFit: copy, padding, and bilinear resampling. */
    private static final int[] SIZES = {4, 5, 8, 12, 32};

    static byte[] images() {
        ByteBuffer b = ByteBuffer.allocate(16 + COUNT * ROWS * COLS);
        b.putInt(0x803).putInt(COUNT).putInt(ROWS).putInt(COLS);
        for (int i = 0; i < COUNT * ROWS * COLS; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    static byte[] labels() {
        ByteBuffer b = ByteBuffer.allocate(8 + COUNT);
        b.putInt(0x801).putInt(COUNT);
        for (int i = 0; i < COUNT; i++) {
            b.put((byte) (i % 10));
        }
        return b.array();
    }

    /** Header fields (count, rows, cols, the labels' count) overwritten with lies, the data left as it is. */
    private static byte[][] lyingHeaders(SplittableRandom random) {
        byte[] images = images();
        byte[] labels = labels();
        int[] lies = {-1, 0, 1, 2, COUNT + 1, 28, 65536, 1 << 20, 46341, Integer.MAX_VALUE, Integer.MIN_VALUE};
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int lie = lies[random.nextInt(lies.length)];
            switch (random.nextInt(4)) {
                case 0 -> ByteBuffer.wrap(images).putInt(4, lie);
                case 1 -> ByteBuffer.wrap(images).putInt(8, lie);
                case 2 -> ByteBuffer.wrap(images).putInt(12, lie);
                default -> ByteBuffer.wrap(labels).putInt(4, lie);
            }
        }
        return new byte[][] {images, labels};
    }

    @Property(tries = 3000, seed = "20261201")
    void mutatedIdxFilesDecodeOrAreRefused(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] images;
        byte[] labels;
        switch (random.nextInt(4)) {
            case 0 -> {
                byte[][] lied = lyingHeaders(random);
                images = lied[0];
                labels = lied[1];
            }
            case 1 -> {
                images = Mutations.mutate(images(), random, edits);
                labels = labels();
            }
            case 2 -> {
                images = images();
                labels = Mutations.mutate(labels(), random, edits);
            }
            default -> {
                images = Mutations.mutate(images(), random, edits);
                labels = Mutations.mutate(labels(), random, edits);
            }
        }
        try {
            FashionMnist.decode("fuzz", images, labels, SIZES[random.nextInt(SIZES.length)]);
        } catch (DatasetException expected) {
            // the data module's own error
        }
    }

    /**
     * Mutated .gz files where the Fashion-MNIST files belong: whatever the damage (a broken gzip
     * header, a corrupt deflate stream, a bad trailer, truncation), loading ends in a
     * DatasetException, at the latest when the SHA-256 of the decompressed bytes is checked.
     */
    @Property(tries = 500, seed = "20261201")
    void mutatedGzipFilesAreRefused(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        Path dir = Files.createTempDirectory("idx-fuzz");
        try {
            Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), Mutations.mutate(gzip(images()), random, edits));
            Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), Mutations.mutate(gzip(labels()), random, edits));
            try {
                FashionMnist.load(dir, "test", 32, null);
            } catch (DatasetException expected) {
                // the data module's own error
            }
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
