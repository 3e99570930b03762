package dev.gantry.evaluation.metrics;

import java.util.Arrays;

/**
 * Squared distance from every row of a set to its k-th nearest other row, from screened float32
 * distances ({@link DistanceScreen}) settled in float64.
 *
 * <p>Each row keeps the k smallest upper bounds seen so far; their largest, T, bounds the k-th
 * nearest distance from above. Any pair whose lower bound exceeds T cannot be among the k nearest,
 * so only pairs with lower bound <= T are kept as candidates (usually k or a few more), and at the
 * end those alone are recomputed in float64 and the k-th smallest taken. Only the lower triangle
 * of the within-set distances is computed: each pair updates both of its rows.
 */
final class NeighbourRadii {
    /** Rows of x per float32 product: 1024 x 10,000 floats is 40 MB. */
    static final int BLOCK = 1024;

    private final int k;
    /** Per row: the k smallest upper bounds seen, ascending. */
    private final double[][] uppers;
    /** Per row: uppers[row][k - 1], the current bound on the k-th nearest squared distance. */
    private final double[] threshold;
    private final int[][] candidates;
    private final double[][] candidateLower;
    private final int[] candidateCount;

    private NeighbourRadii(int n, int k) {
        this.k = k;
        uppers = new double[n][k];
        threshold = new double[n];
        candidates = new int[n][];
        candidateLower = new double[n][];
        candidateCount = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(uppers[i], Double.POSITIVE_INFINITY);
            threshold[i] = Double.POSITIVE_INFINITY;
            candidates[i] = new int[2 * k + 8];
            candidateLower[i] = new double[2 * k + 8];
        }
    }

    /** Squared k-th nearest neighbour distance of each row of x (itself excluded). */
    static double[] squared(Features x, int k) {
        NeighbourRadii radii = new NeighbourRadii(x.n(), k);
        try (DistanceScreen screen = new DistanceScreen(x, x)) {
            screen.forEachBlock(BLOCK, true, (rowFrom, rows, cols, dots) -> radii.lowerBlock(screen, rowFrom, rows, cols, dots));
            return radii.settle(screen);
        }
    }

    private void lowerBlock(DistanceScreen screen, int rowFrom, int rows, int cols, float[] dots) {
        double relative = screen.relativeBand();
        for (int r = 0; r < rows; r++) {
            int i = rowFrom + r;
            double ni = screen.xNorm(i);
            for (int j = 0; j < i; j++) {  // i < cols: the block reaches its own last row
                double nj = screen.yNorm(j);
                double screened = ni + nj - 2.0 * dots[r * cols + j];
                double band = relative * (ni + nj) + DistanceScreen.ABSOLUTE_BAND;
                double lower = screened - band;
                if (lower <= threshold[i] || lower <= threshold[j]) {
                    offer(i, j, lower, screened + band);
                    offer(j, i, lower, screened + band);
                }
            }
        }
    }

    private void offer(int row, int other, double lower, double upper) {
        if (lower > threshold[row]) {
            return;
        }
        double[] u = uppers[row];
        if (upper < u[k - 1]) {
            int at = k - 1;
            while (at > 0 && u[at - 1] > upper) {
                u[at] = u[at - 1];
                at--;
            }
            u[at] = upper;
            threshold[row] = u[k - 1];
        }
        if (candidateCount[row] == candidates[row].length) {
            prune(row);
        }
        candidates[row][candidateCount[row]] = other;
        candidateLower[row][candidateCount[row]] = lower;
        candidateCount[row]++;
    }

    /** Drops the candidates the threshold has since passed; grows the list when most remain (near ties). */
    private void prune(int row) {
        int kept = 0;
        for (int c = 0; c < candidateCount[row]; c++) {
            if (candidateLower[row][c] <= threshold[row]) {
                candidates[row][kept] = candidates[row][c];
                candidateLower[row][kept] = candidateLower[row][c];
                kept++;
            }
        }
        candidateCount[row] = kept;
        if (kept > candidates[row].length / 2) {
            candidates[row] = Arrays.copyOf(candidates[row], 2 * candidates[row].length);
            candidateLower[row] = Arrays.copyOf(candidateLower[row], 2 * candidateLower[row].length);
        }
    }

    private double[] settle(DistanceScreen screen) {
        double[] out = new double[threshold.length];
        for (int i = 0; i < out.length; i++) {
            double[] exact = new double[candidateCount[i]];
            int m = 0;
            for (int c = 0; c < candidateCount[i]; c++) {
                if (candidateLower[i][c] <= threshold[i]) {
                    exact[m++] = screen.exact(i, candidates[i][c]);
                }
            }
            if (m < k) {
                throw new IllegalStateException("row " + i + ": " + m + " candidates for the " + k + "-th neighbour");
            }
            Arrays.sort(exact, 0, m);
            out[i] = exact[k - 1];
        }
        return out;
    }
}
