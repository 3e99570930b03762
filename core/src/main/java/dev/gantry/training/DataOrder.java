package dev.gantry.training;

import java.util.SplittableRandom;

/**
 * The order in which real images are visited: an endless sequence of epochs, each a fresh
 * permutation drawn from (seed, epoch). Position p of the sequence is image
 * permutation(p / n)[p % n], so any batch can be found without replaying earlier ones.
 */
public final class DataOrder {
    private final long seed;
    private final int size;
    private long cachedEpoch = -1;
    private int[] cachedPermutation;

    public DataOrder(long seed, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("dataset is empty");
        }
        this.seed = seed;
        this.size = size;
    }

    /** Image indices for batch number {@code batchIndex} of size {@code batchSize}; the next step's inputs are drawn on another thread. */
    public synchronized int[] batch(long batchIndex, int batchSize) {
        int[] out = new int[batchSize];
        long start = batchIndex * batchSize;
        for (int i = 0; i < batchSize; i++) {
            long p = start + i;
            out[i] = permutation(p / size)[(int) (p % size)];
        }
        return out;
    }

    int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            SplittableRandom random = StepRandomness.generator(seed, epoch, 0, StepRandomness.Role.DATA_ORDER);
            int[] perm = new int[size];
            for (int i = 0; i < size; i++) {
                perm[i] = i;
            }
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            cachedPermutation = perm;
            cachedEpoch = epoch;
        }
        return cachedPermutation;
    }
}
