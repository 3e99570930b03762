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
        DMatrixRMaj s1 = validated(a, nameA);
        DMatrixRMaj s2 = validated(b, nameB);
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mu()[i] - b.mu()[i];
            meanTerm += diff * diff;
        }
        double traceTerm = CommonOps_DDRM.trace(s1) + CommonOps_DDRM.trace(s2);
        double traceSqrt = d >= TORCH_FROM_DIM ? TorchTraceSqrt.get().traceSqrtProduct(s1.data, s2.data, d)
                : traceSqrtProduct(s1, s2);
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

    private static DMatrixRMaj validated(GaussianStats stats, String name) {
        int d = stats.dim();
        double[] s = stats.sigma();
        double max = 0;
        for (int i = 0; i < d; i++) {
            if (!Double.isFinite(stats.mu()[i])) {
                throw new StatisticsException(name + ": mu[" + i + "] is " + stats.mu()[i]);
            }
        }
        for (int i = 0; i < s.length; i++) {
            if (!Double.isFinite(s[i])) {
                throw new StatisticsException(name + ": sigma[" + i / d + "][" + i % d + "] is " + s[i]);
            }
            max = Math.max(max, Math.abs(s[i]));
        }
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double asym = Math.abs(s[i * d + j] - s[j * d + i]);
                if (asym > SYMMETRY_TOLERANCE * Math.max(max, Double.MIN_NORMAL)) {
                    throw new StatisticsException(name + ": sigma is not symmetric (sigma[" + i + "][" + j + "] = "
                            + s[i * d + j] + ", sigma[" + j + "][" + i + "] = " + s[j * d + i] + ")");
                }
            }
        }
        DMatrixRMaj m = new DMatrixRMaj(d, d, true, s);
        symmetrize(m);
        return m;
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
