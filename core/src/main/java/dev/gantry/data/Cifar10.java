package dev.gantry.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 in its binary format (cifar-10-batches-bin): records of one label byte and 3072 pixel
 * bytes (R, G, B planes of 32x32); data_batch_1..5.bin for train, test_batch.bin for test.
 */
public final class Cifar10 {
    private static final int RECORD = 1 + 3 * 32 * 32;
    public static final List<String> DEFAULT_CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");

    private Cifar10() {}

    public static LabeledImages load(Path dir, String split, int size) {
        List<Path> files = new ArrayList<>();
        if ("train".equals(split)) {
            for (int i = 1; i <= 5; i++) {
                files.add(dir.resolve("data_batch_" + i + ".bin"));
            }
        } else {
            files.add(dir.resolve("test_batch.bin"));
        }
        // Sized from the files' lengths before any is read: a batch is read record by record into
        // the one pixel buffer, never whole (a 2 GB file would not even fit in a Java array).
        long[] records = new long[files.size()];
        long count = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            if (!Files.isRegularFile(file)) {
                throw new DatasetException("dataset.path " + dir + ": missing " + file.getFileName()
                        + " (expected CIFAR-10's binary version, cifar-10-batches-bin)");
            }
            long bytes = size(file);
            if (bytes % RECORD != 0) {
                throw new DatasetException(file + ": size " + bytes + " is not a multiple of " + RECORD
                        + " bytes; not a CIFAR-10 binary batch");
            }
            records[f] = bytes / RECORD;
            count += records[f];
        }
        // At most 2^31 pixel bytes, so count (3 * size^2 bytes each) fits an int from here on.
        byte[] pixels = LabeledImages.pixelBuffer("cifar10 " + split, count, 3, size);
        int[] labels = new int[(int) count];
        byte[] record = new byte[RECORD];
        byte[] image = new byte[RECORD - 1];
        int i = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                for (long r = 0; r < records[f]; r++, i++) {
                    if (in.readNBytes(record, 0, RECORD) != RECORD) {
                        throw new DatasetException(file + ": ended at record " + r + " of " + records[f] + " (changed while read)");
                    }
                    labels[i] = record[0] & 0xff;
                    if (labels[i] > 9) {
                        throw new DatasetException(file + ": label " + labels[i] + " in record " + r + " is out of range");
                    }
                    System.arraycopy(record, 1, image, 0, image.length);
                    ImageFit.fit(image, 3, 32, 32, pixels, i * 3 * size * size, size, 0);
                }
            } catch (IOException e) {
                throw new DatasetException(file + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        return new LabeledImages("cifar10/" + split, labels.length, 3, size, pixels, labels, classNames(dir));
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new DatasetException(f + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static List<String> classNames(Path dir) {
        Path meta = dir.resolve("batches.meta.txt");
        try {
            if (Files.isRegularFile(meta) && Files.size(meta) <= 4096) {  // ten short names, not a file to read whole
                List<String> names = Files.readAllLines(meta).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
                if (names.size() == 10) {
                    return names;
                }
            }
        } catch (IOException e) {
            // fall through to the standard names
        }
        return DEFAULT_CLASS_NAMES;
    }
}
