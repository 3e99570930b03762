package dev.gantry.data;

import java.util.List;

/**
 * A dataset held in memory at the model's image size: 8-bit pixels, CHW per image, and an int
 * label per image. Conversion to [-1, 1] floats happens per batch.
 *
 * @param pixels count * channels * size * size bytes
 */
public record LabeledImages(String name, int count, int channels, int size, byte[] pixels, int[] labels,
        List<String> classNames) {

    public LabeledImages {
        long expected = (long) count * channels * size * size;
        if (pixels.length != expected || labels.length != count) {
            throw new IllegalArgumentException(name + ": expected " + expected + " pixel bytes and " + count
                    + " labels, got " + pixels.length + " and " + labels.length);
        }
        classNames = List.copyOf(classNames);
    }

    public int numClasses() {
        return classNames.size();
    }

    /** The most a data set may hold in memory: one Java array. */
    public static final long MAX_PIXEL_BYTES = Integer.MAX_VALUE - 8;

    /**
     * The pixel array for {@code count} images of channels x size x size, sized in long arithmetic
     * and refused, naming the data set, when it cannot be one array (CIFAR-10's 50,000 images at
     * 128 x 128 are 2.46 GB).
     */
    public static byte[] pixelBuffer(String source, long count, int channels, int size) {
        long bytes = count * channels * (long) size * size;
        if (count < 0 || bytes > MAX_PIXEL_BYTES) {
            throw new DatasetException(source + ": " + count + " images of " + channels + "x" + size + "x" + size + " are "
                    + bytes + " bytes, more than one data set may hold in memory (" + MAX_PIXEL_BYTES
                    + "); use a smaller imageSize or fewer images");
        }
        return new byte[(int) bytes];
    }

    public int imageBytes() {
        return channels * size * size;
    }

    /** Pixels of image i scaled to [-1, 1] into out[offset ...]. */
    public void copyImage(int i, float[] out, int offset) {
        int n = imageBytes();
        int base = i * n;
        for (int k = 0; k < n; k++) {
            out[offset + k] = (pixels[base + k] & 0xff) / 127.5f - 1f;
        }
    }

    /** Images {@code indices} scaled to [-1, 1], concatenated: a (n, channels, size, size) batch. */
    public float[] batch(int[] indices) {
        int n = imageBytes();
        float[] out = new float[indices.length * n];
        for (int i = 0; i < indices.length; i++) {
            copyImage(indices[i], out, i * n);
        }
        return out;
    }

    /** Images start .. start+count-1 as a batch. */
    public float[] range(int start, int count) {
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = start + i;
        }
        return batch(indices);
    }

    /** The first {@code n} images (quick feature networks in tests, small benchmarks). */
    public LabeledImages head(int n) {
        if (n < 1 || n > count) {
            throw new IllegalArgumentException(name + ": cannot take the first " + n + " of " + count + " images");
        }
        return new LabeledImages(name + "[:" + n + "]", n, channels, size, java.util.Arrays.copyOf(pixels, n * imageBytes()),
                java.util.Arrays.copyOf(labels, n), classNames);
    }

    public int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }
}
