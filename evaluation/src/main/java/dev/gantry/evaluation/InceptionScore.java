package dev.gantry.evaluation;

/**
 * Inception Score (Salimans et al. 2016) as StyleGAN2-ADA computes it: the images' class
 * probabilities are split into {@code splits} consecutive parts; for each part,
 * exp(mean over images of KL(p(y|x) || p(y))) with p(y) the part's mean; the score is the mean
 * over parts, reported with its standard deviation. Accumulated in float64.
 */
public final class InceptionScore {
    public record Result(double mean, double std, int splits) {}

    private InceptionScore() {}

    /** @param probs n x classes probabilities, row-major */
    public static Result compute(float[] probs, int n, int classes, int splits) {
        if (splits < 1 || n < splits) {
            throw new IllegalArgumentException("Inception Score: " + n + " images cannot form " + splits + " splits");
        }
        if (probs.length != (long) n * classes) {
            throw new IllegalArgumentException("Inception Score: expected " + n + " x " + classes + " probabilities, got "
                    + probs.length);
        }
        double[] scores = new double[splits];
        for (int s = 0; s < splits; s++) {
            int start = s * n / splits;
            int end = (s + 1) * n / splits;
            double[] marginal = new double[classes];
            for (int i = start; i < end; i++) {
                for (int c = 0; c < classes; c++) {
                    marginal[c] += probs[i * classes + c];
                }
            }
            for (int c = 0; c < classes; c++) {
                marginal[c] /= end - start;
            }
            double kl = 0;
            for (int i = start; i < end; i++) {
                for (int c = 0; c < classes; c++) {
                    double p = probs[i * classes + c];
                    if (p > 0) {
                        kl += p * (Math.log(p) - Math.log(marginal[c]));
                    }
                }
            }
            scores[s] = Math.exp(kl / (end - start));
        }
        double mean = 0;
        for (double v : scores) {
            mean += v;
        }
        mean /= splits;
        double var = 0;
        for (double v : scores) {
            var += (v - mean) * (v - mean);
        }
        return new Result(mean, Math.sqrt(var / splits), splits);
    }
}
