package dev.gantry.evaluation.metrics;

import dev.gantry.evaluation.StatisticsException;

/**
 * Feature vectors of a set of images, n x d, row-major, in float64 (the metrics are computed in
 * double precision whatever precision the features were stored in).
 */
public record Features(int n, int d, double[] values) {
    public Features {
        if (n < 1 || d < 1 || (long) n * d != values.length) {
            throw new StatisticsException("features: " + values.length + " values are not " + n + " x " + d);
        }
    }

    public static Features of(float[] values, int n, int d) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return new Features(n, d, v);
    }

    /** The given rows, in the given order. */
    public Features rows(int[] indices) {
        double[] out = new double[indices.length * d];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(values, indices[i] * d, out, i * d, d);
        }
        return new Features(indices.length, d, out);
    }

    /** Rows [from, to). */
    public Features slice(int from, int to) {
        double[] out = new double[(to - from) * d];
        System.arraycopy(values, from * d, out, 0, out.length);
        return new Features(to - from, d, out);
    }
}
