package dev.gantry.training;

/**
 * What one generator step produced, for progress reports.
 *
 * @param step the number of completed generator steps after this one
 * @param lossD the last D step's hinge loss
 * @param lossG the generator's loss
 * @param realScore mean D logit on real images (last D step)
 * @param fakeScore mean D logit on generated images (last D step)
 */
public record StepStats(long step, double lossD, double lossG, double realScore, double fakeScore) {
    public boolean finite() {
        return Double.isFinite(lossD) && Double.isFinite(lossG);
    }
}
