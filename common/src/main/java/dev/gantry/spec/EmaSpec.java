package dev.gantry.spec;

/**
 * An exponential moving average of the generator's weights (G_ema), the generator BigGAN,
 * StyleGAN2/3 and PyTorch-StudioGAN evaluate. After each generator step with 0-based index s,
 * every G_ema tensor becomes lerp(G, G_ema, d) = G + d (G_ema - G), with d = decay from
 * {@code startStep} on and d = 0 (a plain copy) before it. Buffers (batch-norm running
 * statistics, spectral-norm vectors) are averaged the same way, as StudioGAN's Ema does.
 *
 * @param decay weight of the old average, in (0, 1)
 * @param startStep generator steps copied before averaging begins
 */
public record EmaSpec(double decay, long startStep) {
    public static final double DEFAULT_DECAY = 0.9999;
    public static final long DEFAULT_START_STEP = 1000;

    /** The decay applied after the step with 0-based index {@code step}. */
    public double decayAt(long step) {
        return step < startStep ? 0.0 : decay;
    }
}
