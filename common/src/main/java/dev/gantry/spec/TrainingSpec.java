package dev.gantry.spec;

/**
 * The optimisation recipe. Defaults are the SAGAN paper's: hinge loss, Adam(0, 0.9),
 * TTUR with lr_D = 4e-4 and lr_G = 1e-4, one D step per G step.
 *
 * @param steps generator steps in the whole trial
 * @param ttur when false both networks use lrG (the paper's "SN on G/D" baseline)
 * @param ema the generator's moving average, or null when the spec asks for none
 */
public record TrainingSpec(
        long seed,
        long steps,
        int batchSize,
        int dStepsPerGStep,
        double lrG,
        double lrD,
        boolean ttur,
        double beta1,
        double beta2,
        double eps,
        EmaSpec ema) {

    /** The discriminator's learning rate after applying the TTUR switch. */
    public double effectiveLrD() {
        return ttur ? lrD : lrG;
    }

    public boolean hasEma() {
        return ema != null;
    }

    /** The same recipe for a trial of a different length. */
    public TrainingSpec withSteps(long newSteps) {
        return new TrainingSpec(seed, newSteps, batchSize, dStepsPerGStep, lrG, lrD, ttur, beta1, beta2, eps, ema);
    }
}
