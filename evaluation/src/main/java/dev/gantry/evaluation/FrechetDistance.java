package dev.gantry.evaluation;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Frechet distance between two Gaussians, in float64:
 * d^2 = ||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2)).
 * <p>
 * Tr((S1 S2)^(1/2)) is the sum of square roots of the eigenvalues of S1 S2, which equal those of
 * the symmetric positive semi-definite B S2 B^T with S1 = B^T B (B = diag(sqrt(w)) V^T from the
 * symmetric eigendecomposition S1 = V diag(w) V^T). So two real symmetric eigenproblems replace
 * the complex matrix square root that pytorch-fid takes with scipy.linalg.sqrtm, and singular
 * covariances need no epsilon offset. Eigenvalues below the numerical-rank tolerance
 * d * eps * max (numpy.linalg.matrix_rank's) count as zero: for a singular covariance the exact
 * zeros come out as +-1e-15 noise, whose square roots would otherwise add ~1e-8 each.
 */
public final class FrechetDistance {
    /** Relative asymmetry tolerated in a covariance (rounding in whoever wrote it). */
    static final double SYMMETRY_TOLERANCE = 1e-8;
    /** From this dimension on libtorch's LAPACK does the eigenproblems (EJML is quicker to start for small d). */
    static final int TORCH_FROM_DIM = 64;
    private static final int TILE = 64;

    private FrechetDistance() {}

    public static double between(GaussianStats a, GaussianStats b) {
        return between(a, b, "first", "second");
    }

    /** @param nameA how to name {@code a} in errors (a file name, "real statistics", ...) */
    public static double between(GaussianStats a, GaussianStats b, String nameA, String nameB) {
        if (a.dim() != b.dim()) {
            throw new StatisticsException(nameA + " has dimension " + a.dim() + " but " + nameB + " has " + b.dim());
        }
        int d = a.dim();
        double[] s1 = validated(a, nameA);
        double[] s2 = validated(b, nameB);
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mu()[i] - b.mu()[i];
            meanTerm += diff * diff;
        }
        double traceTerm = 0;
        for (int i = 0; i < d; i++) {
            traceTerm += s1[i * d + i] + s2[i * d + i];
        }
        double traceSqrt = d >= TORCH_FROM_DIM ? TorchTraceSqrt.get().traceSqrtProduct(s1, s2, d)
                : traceSqrtProduct(DMatrixRMaj.wrap(d, d, s1), DMatrixRMaj.wrap(d, d, s2));
        return meanTerm + traceTerm - 2 * traceSqrt;
    }

    /** Tr((S1 S2)^(1/2)) through two symmetric eigenproblems. */
    static double traceSqrtProduct(DMatrixRMaj s1, DMatrixRMaj s2) {
        int d = s1.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig1 = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig1.decompose(s1.copy())) {
            throw new StatisticsException("eigendecomposition of the first covariance did not converge");
        }
        double[] w = rankClipped(eig1);
        // B = diag(sqrt(w)) V^T: row k is sqrt(w_k) v_k^T
        DMatrixRMaj b = new DMatrixRMaj(d, d);
        for (int k = 0; k < d; k++) {
            double scale = Math.sqrt(w[k]);
            DMatrixRMaj v = eig1.getEigenVector(k);
            for (int j = 0; j < d; j++) {
                b.unsafe_set(k, j, scale * v.get(j, 0));
            }
        }
        DMatrixRMaj bs2 = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(b, s2, bs2);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransB(bs2, b, m);
        symmetrize(m);
        EigenDecomposition_F64<DMatrixRMaj> eig2 = DecompositionFactory_DDRM.eig(d, false, true);
        if (!eig2.decompose(m)) {
            throw new StatisticsException("eigendecomposition of the covariance product did not converge");
        }
        double sum = 0;
        for (double lambda : rankClipped(eig2)) {
            sum += Math.sqrt(lambda);
        }
        return sum;
    }

    private static double[] rankClipped(EigenDecomposition_F64<DMatrixRMaj> eig) {
        int d = eig.getNumberOfEigenvalues();
        double[] values = new double[d];
        double max = 0;
        for (int k = 0; k < d; k++) {
            values[k] = eig.getEigenvalue(k).getReal();
            max = Math.max(max, values[k]);
        }
        double tolerance = d * Math.ulp(1.0) * max;
        for (int k = 0; k < d; k++) {
            values[k] = values[k] > tolerance ? values[k] : 0.0;
        }
        return values;
    }

    /**
     * {@code stats.sigma()} after checking it is finite and symmetric to {@link #SYMMETRY_TOLERANCE};
     * a symmetrised copy when it is only nearly symmetric. The symmetry pass walks 64x64 tiles so
     * that both triangles stay in cache: at d = 2048 a plain column walk costs as much as the
     * Cholesky factorisation.
     */
    private static double[] validated(GaussianStats stats, String name) {
        int d = stats.dim();
        for (int i = 0; i < d; i++) {
            if (!Double.isFinite(stats.mu()[i])) {
                throw new StatisticsException(name + ": mu[" + i + "] is " + stats.mu()[i]);
            }
        }
        double[] s = stats.sigma();
        // Branch-free passes (a conditional throw per element costs 3x at d = 2048); x * 0 is NaN
        // exactly when x is NaN or infinite, so one sum tells whether to look for the culprit.
        double max = 0, nonFinite = 0;
        for (double v : s) {
            double magnitude = Math.abs(v);
            max = magnitude > max ? magnitude : max;
            nonFinite += v * 0.0;
        }
        if (Double.isNaN(nonFinite)) {
            for (int i = 0; i < s.length; i++) {
                if (!Double.isFinite(s[i])) {
                    throw new StatisticsException(name + ": sigma[" + i / d + "][" + i % d + "] is " + s[i]);
                }
            }
        }
        double tolerance = SYMMETRY_TOLERANCE * Math.max(max, Double.MIN_NORMAL);
        double asymmetry = 0;
        for (int bi = 0; bi < d; bi += TILE) {
            for (int bj = bi; bj < d; bj += TILE) {
                for (int j = bj; j < Math.min(bj + TILE, d); j++) {
                    for (int i = bi; i < Math.min(bi + TILE, j); i++) {
                        double difference = Math.abs(s[i * d + j] - s[j * d + i]);
                        asymmetry = difference > asymmetry ? difference : asymmetry;
                    }
                }
            }
        }
        if (asymmetry > tolerance) {
            throw asymmetric(s, d, tolerance, name);
        }
        boolean exactlySymmetric = asymmetry == 0;
        if (exactlySymmetric) {
            return s;
        }
        double[] copy = s.clone();
        symmetrize(DMatrixRMaj.wrap(d, d, copy));
        return copy;
    }

    private static StatisticsException asymmetric(double[] s, int d, double tolerance, String name) {
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                if (Math.abs(s[i * d + j] - s[j * d + i]) > tolerance) {
                    return new StatisticsException(name + ": sigma is not symmetric (sigma[" + i + "][" + j + "] = "
                            + s[i * d + j] + ", sigma[" + j + "][" + i + "] = " + s[j * d + i] + ")");
                }
            }
        }
        throw new IllegalStateException("no asymmetric pair above " + tolerance);
    }

    private static void symmetrize(DMatrixRMaj m) {
        int d = m.numRows;
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double v = 0.5 * (m.unsafe_get(i, j) + m.unsafe_get(j, i));
                m.unsafe_set(i, j, v);
                m.unsafe_set(j, i, v);
            }
        }
    }
}
