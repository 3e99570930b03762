package dev.gantry.evaluation.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The float32 screen must never decide a comparison the float64 distances decide otherwise. Points
 * on a lattice of spacing 1 + 2^-30, far from the origin, have exactly equal distances everywhere
 * (ties at the radius itself, duplicates), which only the float64 path settles: in float32 the
 * spacing rounds to 1, so a screen without its band would call a tie "closer". A brute-force
 * float64 computation is exact on this lattice, whatever its summation order, so the results must
 * be identical.
 */
class ScreenedNeighboursTest {
    private static final int D = 64;
    private static final double SPACING = 1 + 0x1p-30;

    private static Features lattice(int n, long seed, double offset) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[n * D];
        for (int i = 0; i < v.length; i++) {
            v[i] = offset + SPACING * random.nextInt(3);
        }
        // a few exact duplicates
        for (int i = 0; i < n / 10; i++) {
            System.arraycopy(v, (i + n / 2) * D, v, i * D, D);
        }
        return new Features(n, D, v);
    }

    private static double squared(Features a, int i, Features b, int j) {
        double s = 0;
        for (int k = 0; k < a.d(); k++) {
            double diff = a.values()[i * a.d() + k] - b.values()[j * b.d() + k];
            s += diff * diff;
        }
        return s;
    }

    private static double[] bruteRadii(Features x, int k) {
        double[] out = new double[x.n()];
        for (int i = 0; i < x.n(); i++) {
            double[] others = new double[x.n() - 1];
            int m = 0;
            for (int j = 0; j < x.n(); j++) {
                if (j != i) {
                    others[m++] = squared(x, i, x, j);
                }
            }
            Arrays.sort(others);
            out[i] = others[k - 1];
        }
        return out;
    }

    @Test
    void radiiEqualBruteForceOnTies() {
        Features x = lattice(700, 1, 1000.0);  // 700 rows: the block of 1024 ends inside, and a second test below spans blocks
        for (int k : new int[] {1, 3, 5}) {
            assertArrayEquals(bruteRadii(x, k), NeighbourRadii.squared(x, k), 0.0, "k = " + k);
        }
    }

    @Test
    void radiiEqualBruteForceAcrossBlocks() {
        Features x = lattice(NeighbourRadii.BLOCK + 300, 5, 0.0);
        assertArrayEquals(bruteRadii(x, 3), NeighbourRadii.squared(x, 3), 0.0);
    }

    @Test
    void precisionRecallDensityCoverageEqualBruteForceOnTies() {
        Features real = lattice(400, 2, 1000.0);
        Features fake = lattice(300, 3, 1000.0);
        double[] rReal = bruteRadii(real, 3);
        double[] rFake = bruteRadii(fake, 3);
        double[] rDc = bruteRadii(real, 5);
        int precise = 0;
        int recalled = 0;
        long balls = 0;
        int covered = 0;
        boolean[] fakeIn = new boolean[fake.n()];
        for (int i = 0; i < real.n(); i++) {
            boolean realIn = false;
            boolean cover = false;
            for (int j = 0; j < fake.n(); j++) {
                double d = squared(real, i, fake, j);
                fakeIn[j] |= d < rReal[i];
                realIn |= d < rFake[j];
                if (d < rDc[i]) {
                    balls++;
                    cover = true;
                }
            }
            recalled += realIn ? 1 : 0;
            covered += cover ? 1 : 0;
        }
        for (boolean b : fakeIn) {
            precise += b ? 1 : 0;
        }
        NearestNeighbourMetrics.PrecisionRecall pr = NearestNeighbourMetrics.precisionRecall(real, fake, 3);
        NearestNeighbourMetrics.DensityCoverage dc = NearestNeighbourMetrics.densityCoverage(real, fake, 5);
        assertEquals((double) precise / fake.n(), pr.precision());
        assertEquals((double) recalled / real.n(), pr.recall());
        assertEquals(balls / (5.0 * fake.n()), dc.density());
        assertEquals((double) covered / real.n(), dc.coverage());
        assertTrue(pr.precision() > 0 && pr.precision() < 1, "a fixture that tests something: " + pr.precision());
    }
}
