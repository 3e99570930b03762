package dev.gantry.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.checkpoint.Mutations;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Thousands of mutated PNG, JPEG, BMP and GIF files in an image folder: loading either succeeds
 * or is refused with the data module's own {@link DatasetException}. A quarter of them keep a
 * valid header (checksums included, so decoders believe it) that claims other dimensions, from
 * zero to Integer.MAX_VALUE: those must be refused from the header, before a decoder allocates a
 * raster for them: each try's allocations are measured against what the file's size can back.
 */
class ImageFolderFuzzTest {
    private static final List<String> FORMATS = List.copyOf(TestImages.VALID.keySet());
    private static final int[] DIMENSIONS = {0, 1, 3, 4096, 8192, 9000, 46341, 65535, 100_000, Integer.MAX_VALUE, -1};

    @Property(tries = 2500, seed = "20261201")
    void mutatedImagesLoadOrAreRefused(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        String format = FORMATS.get(random.nextInt(FORMATS.size()));
        byte[] bytes = random.nextInt(4) == 0
                ? TestImages.withDimensions(format, DIMENSIONS[random.nextInt(DIMENSIONS.length)],
                        DIMENSIONS[random.nextInt(DIMENSIONS.length)])
                : Mutations.mutate(TestImages.VALID.get(format), random, edits);
        String extension = format.substring(format.lastIndexOf('.') + 1);
        var store = new TestImages.MemoryStore(new TreeMap<>(Map.of("c/image." + extension, bytes)));
        int channels = 1 + 2 * random.nextInt(2);
        long allocated = Allocations.allocatedBy(() -> {
            try {
                ImageFolder.load(store, "", channels, 32);
            } catch (DatasetException expected) {
                // the data module's own error
            }
        });
        // Decoder raster, CHW copy and a decoder's working buffers: tens of bytes per pixel the file can back.
        long backed = 32 * ImageFolder.MAX_PIXELS_PER_BYTE * bytes.length + (8 << 20);
        assertTrue(allocated <= backed, format + " of " + bytes.length + " bytes: " + allocated + " bytes allocated");
    }
}
