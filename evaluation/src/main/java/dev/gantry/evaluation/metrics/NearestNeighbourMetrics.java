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
 * Distances are computed in row blocks, so 10,000 x 10,000 pairs never sit in memory at once.
 */
public final class NearestNeighbourMetrics {
    public record PrecisionRecall(double precision, double recall, int k) {}

    public record DensityCoverage(double density, double coverage, int k) {}

    private static final int BLOCK = 1024;

    private NearestNeighbourMetrics() {}

    public static PrecisionRecall precisionRecall(Features real, Features fake, int k) {
        check(real, fake, k);
        double[] realRadii = radii(real, k);
        double[] fakeRadii = radii(fake, k);
        boolean[] fakeInsideReal = new boolean[fake.n()];
        boolean[] realInsideFake = new boolean[real.n()];
        forEachDistance(real, fake, (i, j, dist) -> {
            if (dist < realRadii[i]) {
                fakeInsideReal[j] = true;
            }
            if (dist < fakeRadii[j]) {
                realInsideFake[i] = true;
            }
        });
        return new PrecisionRecall(share(fakeInsideReal), share(realInsideFake), k);
    }

    public static DensityCoverage densityCoverage(Features real, Features fake, int k) {
        check(real, fake, k);
        double[] realRadii = radii(real, k);
        long[] ballsContaining = new long[fake.n()];
        boolean[] covered = new boolean[real.n()];
        forEachDistance(real, fake, (i, j, dist) -> {
            if (dist < realRadii[i]) {
                ballsContaining[j]++;
                covered[i] = true;
            }
        });
        double total = 0;
        for (long c : ballsContaining) {
            total += c;
        }
        return new DensityCoverage(total / ((double) k * fake.n()), share(covered), k);
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

    /** Distance to the k-th nearest other sample of the same set. */
    static double[] radii(Features x, int k) {
        double[] radii = new double[x.n()];
        forEachDistanceBlock(x, x, (rowFrom, rows, distances) -> {
            double[] smallest = new double[k + 1];
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(smallest, Double.POSITIVE_INFINITY);
                for (int j = 0; j < x.n(); j++) {
                    double dist = distances[r * x.n() + j];
                    if (dist < smallest[k]) {  // keep the k+1 smallest, sorted; the sample itself is one of them
                        int at = k;
                        while (at > 0 && smallest[at - 1] > dist) {
                            smallest[at] = smallest[at - 1];
                            at--;
                        }
                        smallest[at] = dist;
                    }
                }
                radii[rowFrom + r] = smallest[k];
            }
        });
        return radii;
    }

    private interface PairVisitor {
        void visit(int i, int j, double distance);
    }

    private interface BlockVisitor {
        void visit(int rowFrom, int rows, double[] distances);
    }

    private static void forEachDistance(Features x, Features y, PairVisitor visitor) {
        forEachDistanceBlock(x, y, (rowFrom, rows, distances) -> {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < y.n(); j++) {
                    visitor.visit(rowFrom + r, j, distances[r * y.n() + j]);
                }
            }
        });
    }

    /** Euclidean distances of x's rows, a block at a time, to every row of y. */
    private static void forEachDistanceBlock(Features x, Features y, BlockVisitor visitor) {
        double[] xNorms = x.squaredNorms();
        double[] yNorms = y.squaredNorms();
        for (int from = 0; from < x.n(); from += BLOCK) {
            int rows = Math.min(BLOCK, x.n() - from);
            double[] dots = Gram.product(x.slice(from, from + rows), y);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < y.n(); j++) {
                    int at = r * y.n() + j;
                    dots[at] = Math.sqrt(Math.max(0, xNorms[from + r] + yNorms[j] - 2 * dots[at]));
                }
            }
            visitor.visit(from, rows, dots);
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
