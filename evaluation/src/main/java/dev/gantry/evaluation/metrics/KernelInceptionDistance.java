package dev.gantry.evaluation.metrics;

import dev.gantry.evaluation.StatisticsException;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * KID (Binkowski et al. 2018): the unbiased estimate of the squared MMD between real and generated
 * features under the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over random
 * subsets; unlike FID it is unbiased at small sample counts. Mean and (population) standard
 * deviation over the subsets, as torch-fidelity, clean-fid and torchmetrics report them (their
 * defaults: 100 subsets of 1000).
 */
public final class KernelInceptionDistance {
    /** The value and how it was measured. */
    public record Result(double mean, double std, int subsets, int subsetSize, long seed) {}

    private KernelInceptionDistance() {}

    public static Result compute(Features real, Features fake, int subsets, int subsetSize, long seed) {
        if (real.d() != fake.d()) {
            throw new StatisticsException("KID: real features have " + real.d() + " dimensions, generated " + fake.d());
        }
        if (subsets < 1 || subsetSize < 2 || subsetSize > real.n() || subsetSize > fake.n()) {
            throw new StatisticsException("KID: subsets of " + subsetSize + " need 2.." + Math.min(real.n(), fake.n())
                    + " (the smaller set), and at least one subset (got " + subsets + ")");
        }
        int[][][] indices = subsetIndices(real.n(), fake.n(), subsets, subsetSize, seed);
        double[] scores = new double[subsets];
        AtomicInteger next = new AtomicInteger();
        // Subsets are independent: each worker takes the next one, on one BLAS thread (SingleThreadedWorkers).
        // A subset's value does not depend on which worker computed it.
        SingleThreadedWorkers.run(SingleThreadedWorkers.count(subsets), worker -> {
            try (SubsetGram gram = new SubsetGram(subsetSize, real.d())) {
                for (int s = next.getAndIncrement(); s < subsets; s = next.getAndIncrement()) {
                    scores[s] = gram.mmd(real, indices[s][0], fake, indices[s][1]);
                }
            }
        });
        double mean = 0;
        for (double v : scores) {
            mean += v;
        }
        mean /= subsets;
        double var = 0;
        for (double v : scores) {
            var += (v - mean) * (v - mean);
        }
        return new Result(mean, Math.sqrt(var / subsets), subsets, subsetSize, seed);
    }

    /**
     * For each subset, {@code m} distinct rows of the real set and {@code m} of the generated set
     * (a fresh random permutation's first m, for each): [subset][0 = real, 1 = generated][i].
     */
    public static int[][][] subsetIndices(int realN, int fakeN, int subsets, int m, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][][] out = new int[subsets][2][];
        for (int s = 0; s < subsets; s++) {
            out[s][0] = firstOfPermutation(realN, m, random);
            out[s][1] = firstOfPermutation(fakeN, m, random);
        }
        return out;
    }

    private static int[] firstOfPermutation(int n, int m, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(n - i);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return java.util.Arrays.copyOf(p, m);
    }
}
