package dev.gantry.evaluation.metrics;

import dev.gantry.evaluation.StatisticsException;

/**
 * Metrics on the k-nearest-neighbour balls of feature sets, in Euclidean distance:
 * improved precision and recall (Kynkaanniemi et al. 2019, k = 3) and density and coverage
 * (Naeem et al. 2020, k = 5), with the definitions of the authors' reference code (prdc): a
 * sample's radius is the distance to its k-th nearest neighbour in its own set (itself excluded),
 * and "inside" means strictly closer than that radius.
 * <ul>
 *   <li>precision: share of generated samples inside some real sample's ball;</li>
 *   <li>recall: share of real samples inside some generated sample's ball;</li>
 *   <li>density: mean over generated samples of the number of real balls containing them, / k;</li>
 *   <li>coverage: share of real samples whose ball contains some generated sample.</li>
 * </ul>
 * Distances are screened in float32 and settled in float64 where the screen cannot decide
 * ({@link DistanceScreen}), in row blocks, so 10,000 x 10,000 pairs never sit in memory at once;
 * comparisons are of squared distances.
 */
public final class NearestNeighbourMetrics {
    public record PrecisionRecall(double precision, double recall, int k) {}

    public record DensityCoverage(double density, double coverage, int k) {}

    private NearestNeighbourMetrics() {}

    public static PrecisionRecall precisionRecall(Features real, Features fake, int k) {
        check(real, fake, k);
        double[] realRadii = NeighbourRadii.squared(real, k);
        double[] fakeRadii = NeighbourRadii.squared(fake, k);
        boolean[] fakeInsideReal = new boolean[fake.n()];
        boolean[] realInsideFake = new boolean[real.n()];
        try (DistanceScreen screen = new DistanceScreen(real, fake)) {
            screen.forEachBlock(NeighbourRadii.BLOCK, false, (rowFrom, rows, cols, dots) -> {
                for (int r = 0; r < rows; r++) {
                    int i = rowFrom + r;
                    for (int j = 0; j < cols; j++) {
                        if (fakeInsideReal[j] && realInsideFake[i]) {
                            continue;
                        }
                        Pair pair = new Pair(screen, i, j, dots[r * cols + j]);
                        if (!fakeInsideReal[j] && pair.closerThan(realRadii[i])) {
                            fakeInsideReal[j] = true;
                        }
                        if (!realInsideFake[i] && pair.closerThan(fakeRadii[j])) {
                            realInsideFake[i] = true;
                        }
                    }
                }
            });
        }
        return new PrecisionRecall(share(fakeInsideReal), share(realInsideFake), k);
    }

    public static DensityCoverage densityCoverage(Features real, Features fake, int k) {
        check(real, fake, k);
        double[] realRadii = NeighbourRadii.squared(real, k);
        long[] ballsContaining = new long[fake.n()];
        boolean[] covered = new boolean[real.n()];
        try (DistanceScreen screen = new DistanceScreen(real, fake)) {
            screen.forEachBlock(NeighbourRadii.BLOCK, false, (rowFrom, rows, cols, dots) -> {
                for (int r = 0; r < rows; r++) {
                    int i = rowFrom + r;
                    for (int j = 0; j < cols; j++) {
                        if (new Pair(screen, i, j, dots[r * cols + j]).closerThan(realRadii[i])) {
                            ballsContaining[j]++;
                            covered[i] = true;
                        }
                    }
                }
            });
        }
        double total = 0;
        for (long c : ballsContaining) {
            total += c;
        }
        return new DensityCoverage(total / ((double) k * fake.n()), share(covered), k);
    }

    /**
     * One real-generated pair: its screened squared distance decides a comparison unless the radius
     * falls inside the band, and then the float64 distance does (computed once, at most).
     */
    private static final class Pair {
        private final DistanceScreen screen;
        private final int i;
        private final int j;
        private final double screened;
        private final double band;
        private double exact = Double.NaN;

        Pair(DistanceScreen screen, int i, int j, float dot) {
            this.screen = screen;
            this.i = i;
            this.j = j;
            this.screened = screen.screened(i, j, dot);
            this.band = screen.band(i, j);
        }

        /** Whether the squared distance is strictly below a squared radius. */
        boolean closerThan(double squaredRadius) {
            if (screened + band < squaredRadius) {
                return true;
            }
            if (screened - band >= squaredRadius) {
                return false;
            }
            if (Double.isNaN(exact)) {
                exact = screen.exact(i, j);
            }
            return exact < squaredRadius;
        }
    }

    private static void check(Features real, Features fake, int k) {
        if (real.d() != fake.d()) {
            throw new StatisticsException("real features have " + real.d() + " dimensions, generated " + fake.d());
        }
        if (k < 1 || k >= real.n() || k >= fake.n()) {
            throw new StatisticsException("k = " + k + " needs more than k samples in each set (" + real.n() + " real, "
                    + fake.n() + " generated)");
        }
    }

    private static double share(boolean[] flags) {
        int count = 0;
        for (boolean f : flags) {
            if (f) {
                count++;
            }
        }
        return (double) count / flags.length;
    }
}
