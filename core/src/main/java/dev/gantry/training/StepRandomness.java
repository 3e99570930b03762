package dev.gantry.training;

import java.util.SplittableRandom;

/**
 * Every random draw of a training step comes from a generator keyed by (trial seed, step, role),
 * never from a stream carried across steps, so resuming at any step reproduces the same draws.
 * Draws happen in Java, which keeps them identical across engines and devices.
 */
public final class StepRandomness {
    public enum Role { DISCRIMINATOR_FAKES, GENERATOR_FAKES, DATA_ORDER, EVAL }

    private StepRandomness() {}

    /** @param substep the D step within a G step (0 for G draws) */
    public static SplittableRandom generator(long seed, long step, int substep, Role role) {
        long key = mix(mix(mix(seed) ^ step) ^ ((long) substep << 8 | role.ordinal()));
        return new SplittableRandom(key);
    }

    /** Standard normal noise, (count, dim) row-major. */
    public static float[] normal(SplittableRandom random, int count, int dim) {
        float[] z = new float[count * dim];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) random.nextGaussian();
        }
        return z;
    }

    /** Class labels drawn uniformly. */
    public static long[] uniformLabels(SplittableRandom random, int count, int numClasses) {
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) {
            labels[i] = random.nextInt(numClasses);
        }
        return labels;
    }

    /** SplitMix64's finaliser: spreads nearby seeds and steps over the whole 64-bit space. */
    static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
        x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
        return x ^ (x >>> 31);
    }
}
