package dev.gantry.evaluation;

/**
 * Streaming mean and covariance in float64. Batches are merged with Chan et al.'s pairwise
 * update (mean and centred scatter matrix), which stays accurate when the mean is large relative
 * to the spread, unlike accumulating raw sums of x and x x^T.
 */
public final class StatsAccumulator {
    private final int dim;
    private final double[] mean;
    private final double[] scatter; // sum of (x - mean)(x - mean)^T, upper triangle kept in full
    private long count;

    public StatsAccumulator(int dim) {
        this.dim = dim;
        this.mean = new double[dim];
        this.scatter = new double[dim * dim];
    }

    /** Adds {@code n} feature vectors, row-major n x dim (float32 from the network is widened). */
    public void add(float[] features, int n) {
        double[] rows = new double[n * dim];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = features[i];
        }
        add(rows, n);
    }

    public void add(double[] rows, int n) {
        if (rows.length != (long) n * dim) {
            throw new IllegalArgumentException("expected " + n + "x" + dim + " values, got " + rows.length);
        }
        if (n == 0) {
            return;
        }
        double[] batchMean = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                double v = rows[i * dim + j];
                if (!Double.isFinite(v)) {
                    throw new StatisticsException("feature " + j + " of sample " + (count + i) + " is " + v);
                }
                batchMean[j] += v;
            }
        }
        for (int j = 0; j < dim; j++) {
            batchMean[j] /= n;
        }
        double[] centred = new double[n * dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                centred[i * dim + j] = rows[i * dim + j] - batchMean[j];
            }
        }
        // scatter += C^T C (batch part), blocked over rows for cache reuse
        for (int i = 0; i < n; i++) {
            int base = i * dim;
            for (int a = 0; a < dim; a++) {
                double ca = centred[base + a];
                if (ca == 0) {
                    continue;
                }
                int row = a * dim;
                for (int b = a; b < dim; b++) {
                    scatter[row + b] += ca * centred[base + b];
                }
            }
        }
        // merge: scatter += (delta delta^T) * count * n / (count + n)
        long total = count + n;
        double weight = (double) count * n / total;
        double[] delta = new double[dim];
        for (int j = 0; j < dim; j++) {
            delta[j] = batchMean[j] - mean[j];
        }
        if (count > 0) {
            for (int a = 0; a < dim; a++) {
                int row = a * dim;
                for (int b = a; b < dim; b++) {
                    scatter[row + b] += delta[a] * delta[b] * weight;
                }
            }
        }
        for (int j = 0; j < dim; j++) {
            mean[j] += delta[j] * n / total;
        }
        count = total;
    }

    public long count() {
        return count;
    }

    /** Mean and unbiased covariance (needs at least two samples). */
    public GaussianStats stats() {
        if (count < 2) {
            throw new StatisticsException("a covariance needs at least 2 samples, got " + count);
        }
        double[] sigma = new double[dim * dim];
        for (int a = 0; a < dim; a++) {
            for (int b = a; b < dim; b++) {
                double v = scatter[a * dim + b] / (count - 1);
                sigma[a * dim + b] = v;
                sigma[b * dim + a] = v;
            }
        }
        return new GaussianStats(mean.clone(), sigma, count);
    }
}
