package dev.gantry.data;

import java.io.IOException;
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
        List<byte[]> contents = new ArrayList<>();
        int count = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new DatasetException("dataset.path " + dir + ": missing " + f.getFileName()
                        + " (expected CIFAR-10's binary version, cifar-10-batches-bin)");
            }
            try {
                byte[] bytes = Files.readAllBytes(f);
                if (bytes.length % RECORD != 0) {
                    throw new DatasetException(f + ": size " + bytes.length + " is not a multiple of " + RECORD
                            + " bytes; not a CIFAR-10 binary batch");
                }
                contents.add(bytes);
                count += bytes.length / RECORD;
            } catch (IOException e) {
                throw new DatasetException(f + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        byte[] pixels = LabeledImages.pixelBuffer("cifar10 " + split, count, 3, size);
        int[] labels = new int[count];
        byte[] image = new byte[RECORD - 1];
        int i = 0;
        for (byte[] bytes : contents) {
            for (int r = 0; r < bytes.length / RECORD; r++, i++) {
                labels[i] = bytes[r * RECORD] & 0xff;
                if (labels[i] > 9) {
                    throw new DatasetException(dir + ": label " + labels[i] + " in record " + r + " is out of range");
                }
                System.arraycopy(bytes, r * RECORD + 1, image, 0, image.length);
                ImageFit.fit(image, 3, 32, 32, pixels, i * 3 * size * size, size, 0);
            }
        }
        return new LabeledImages("cifar10/" + split, count, 3, size, pixels, labels, classNames(dir));
    }

    private static List<String> classNames(Path dir) {
        Path meta = dir.resolve("batches.meta.txt");
        try {
            if (Files.isRegularFile(meta)) {
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
