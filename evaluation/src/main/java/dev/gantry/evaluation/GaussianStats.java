package dev.gantry.evaluation;

/**
 * A Gaussian fit of feature activations: mean and covariance in float64, as pytorch-fid stores
 * them (mu, sigma; sigma with the unbiased N-1 normalisation of np.cov).
 *
 * @param sigma row-major dim x dim
 * @param count how many samples the fit came from (0 when unknown, e.g. read from a file)
 */
public record GaussianStats(double[] mu, double[] sigma, long count) {
    public GaussianStats {
        if ((long) mu.length * mu.length != sigma.length) {
            throw new IllegalArgumentException("sigma must be " + mu.length + "x" + mu.length + " for a "
                    + mu.length + "-d mean, got " + sigma.length + " values");
        }
    }

    public int dim() {
        return mu.length;
    }
}
