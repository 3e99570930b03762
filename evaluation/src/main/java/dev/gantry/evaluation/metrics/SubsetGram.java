package dev.gantry.evaluation.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.gantry.evaluation.StatisticsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;

/**
 * The unbiased MMD^2 of one KID subset pair under k(x, y) = (x.y / d + 1)^3, from inner products
 * computed in float64 by libtorch's BLAS.
 *
 * <p>The two subsets are stacked, Z = [X; Y], and only the lower block triangle of Z Z^T is
 * multiplied: X X^T and Y Y^T in blocks, each off-diagonal block standing for its mirror image
 * too, and Y X^T whole: with two blocks a side, 2.5 products' work where three full products take
 * 3 and NumPy 2 (its x @ x.T runs as BLAS syrk, which libtorch does not export; smaller blocks
 * approach 2 but run slower).
 *
 * <p>Z is written into one direct buffer that libtorch wraps without copying and that is reused
 * for every subset, so a subset costs one gather of its rows and no fresh 32 MB arrays. The kernel
 * (x.y / d + 1)^3 is applied in place and summed by libtorch: fetching each 2 MB block into Java
 * allocated a direct buffer per block, and their release by the garbage collector cost more than
 * the sums.
 */
final class SubsetGram implements AutoCloseable {
    /** Rows per block of X X^T and Y Y^T: 500 x 500 products of 2048-d rows run at full BLAS speed on 2 cores (250 did not). */
    static final int BLOCK = 500;
    /** Rows of Y per product with all of X (bounds the product's memory for large subsets). */
    static final int CROSS_BLOCK = 1000;

    private final NDManager manager = NDManager.newBaseManager();
    private final int m;
    private final int d;
    private final ByteBuffer stacked;

    SubsetGram(int m, int d) {
        long bytes = 2L * m * d * Double.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new StatisticsException("KID: two subsets of " + m + " x " + d + " features need " + bytes
                    + " bytes, more than one buffer holds; use smaller subsets");
        }
        this.m = m;
        this.d = d;
        // 64-byte aligned, as BLAS kernels load whole cache lines
        this.stacked = ByteBuffer.allocateDirect((int) bytes + 64).alignedSlice(64).order(ByteOrder.nativeOrder());
    }

    /** MMD^2 between rows {@code xRows} of x and rows {@code yRows} of y, m of each. */
    double mmd(Features x, int[] xRows, Features y, int[] yRows) {
        DoubleBuffer out = stacked.asDoubleBuffer();
        for (int r : xRows) {
            out.put(x.values(), r * d, d);
        }
        for (int r : yRows) {
            out.put(y.values(), r * d, d);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray z = scope.create(stacked, new Shape(2L * m, d), DataType.FLOAT64);
            double xx = offDiagonalSum(z, 0);
            double yy = offDiagonalSum(z, m);
            double xy = 0;
            for (int from = m; from < 2 * m; from += CROSS_BLOCK) {
                xy += kernelSum(z, from, Math.min(2 * m, from + CROSS_BLOCK), 0, m, false);
            }
            return (xx + yy) / ((double) m * (m - 1)) - 2 * xy / ((double) m * m);
        }
    }

    /** Sum of k over the pairs of distinct rows among [first, first + m): the lower block triangle, doubled. */
    private double offDiagonalSum(NDArray z, int first) {
        double sum = 0;
        for (int i = first; i < first + m; i += BLOCK) {
            int iTo = Math.min(first + m, i + BLOCK);
            for (int j = first; j < i; j += BLOCK) {
                sum += 2 * kernelSum(z, i, iTo, j, j + BLOCK, false);
            }
            sum += kernelSum(z, i, iTo, i, iTo, true);
        }
        return sum;
    }

    /** Sum of (x.y / d + 1)^3 over rows [iFrom, iTo) x rows [jFrom, jTo) of z, the diagonal left out when asked. */
    private double kernelSum(NDArray z, int iFrom, int iTo, int jFrom, int jTo, boolean offDiagonalOnly) {
        try (NDArray kernel = z.get(iFrom + ":" + iTo).matMul(z.get(jFrom + ":" + jTo).transpose())) {
            if (kernel.getDataType() != DataType.FLOAT64) {
                throw new IllegalStateException("expected a float64 product, got " + kernel.getDataType());
            }
            kernel.muli(1.0 / d).addi(1).powi(3);
            double sum = kernel.sum().getDouble();
            return offDiagonalOnly ? sum - kernel.diagonal().sum().getDouble() : sum;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
