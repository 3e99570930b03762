package dev.gantry.evaluation.metrics;

import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatisticsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Feature rows of labelled images as an evaluation keeps them: float32, n x d, with each row's
 * class. Bounded by {@link #MAX_ROWS} so a policy with a million samples per class cannot fill the
 * heap or the store: past the bound, each class keeps its first rows (an equal share per class).
 */
public record LabeledFeatures(int n, int d, float[] values, int[] labels) {
    /** At most this many rows are kept: 20,000 x 2048 float32 is 164 MB. */
    public static final int MAX_ROWS = 20_000;

    public LabeledFeatures {
        if (n < 0 || d < 1 || (long) n * d != values.length || labels.length != n) {
            throw new StatisticsException("features: " + values.length + " values and " + labels.length
                    + " labels are not " + n + " x " + d);
        }
    }

    /** The rows (in float64) of one class, or of all classes for a negative {@code label}. */
    public Features rows(int label) {
        int count = 0;
        for (int l : labels) {
            count += label < 0 || l == label ? 1 : 0;
        }
        double[] out = new double[count * d];
        for (int i = 0, r = 0; i < n; i++) {
            if (label < 0 || labels[i] == label) {
                for (int j = 0; j < d; j++) {
                    out[r * d + j] = values[i * d + j];
                }
                r++;
            }
        }
        return new Features(count, d, out);
    }

    /** Rows per class kept by the bound, for {@code classes} classes. */
    public static int rowsPerClass(int classes) {
        return MAX_ROWS / Math.max(1, classes);
    }

    /** Float32 .npy bytes of the feature rows (labels travel beside them, see {@link #labelsNpy}). */
    public byte[] featuresNpy() {
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        return Npz.npy("<f4", new long[] {n, d}, data.array());
    }

    /** Int64 .npy bytes of the labels. */
    public byte[] labelsNpy() {
        ByteBuffer data = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int l : labels) {
            data.putLong(l);
        }
        return Npz.npy("<i8", new long[] {n}, data.array());
    }

    public void write(Path features) throws IOException {
        Files.write(features, featuresNpy());
    }

    /** Collects rows class by class, keeping at most {@code perClass} of each. */
    public static final class Builder {
        private final int d;
        private final int perClass;
        private final int[] kept;
        private float[] values = new float[0];
        private int[] labels = new int[0];
        private int n;

        public Builder(int d, int classes) {
            this.d = d;
            this.perClass = rowsPerClass(classes);
            this.kept = new int[classes];
        }

        public void add(float[] rows, int count, int[] rowLabels) {
            for (int i = 0; i < count; i++) {
                int c = rowLabels[i];
                if (kept[c] >= perClass) {
                    continue;
                }
                kept[c]++;
                if (n == labels.length) {
                    int grow = Math.max(256, n);
                    values = Arrays.copyOf(values, (n + grow) * d);
                    labels = Arrays.copyOf(labels, n + grow);
                }
                System.arraycopy(rows, i * d, values, n * d, d);
                labels[n++] = c;
            }
        }

        public LabeledFeatures build() {
            return new LabeledFeatures(n, d, Arrays.copyOf(values, n * d), Arrays.copyOf(labels, n));
        }
    }
}
