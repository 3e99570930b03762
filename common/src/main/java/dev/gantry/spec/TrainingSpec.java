package dev.gantry.spec;

/**
 * The optimisation recipe. Defaults are the SAGAN paper's: hinge loss, Adam(0, 0.9),
 * TTUR with lr_D = 4e-4 and lr_G = 1e-4, one D step per G step.
 *
 * @param steps generator steps in the whole trial
 * @param ttur when false both networks use lrG (the paper's "SN on G/D" baseline)
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
        double eps) {

    /** The discriminator's learning rate after applying the TTUR switch. */
    public double effectiveLrD() {
        return ttur ? lrD : lrG;
    }
}
