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
 * multiplied: it holds X X^T and Y Y^T (each off-diagonal block standing for its mirror image too)
 * and all of Y X^T. That is the work of NumPy's x @ x.T, which runs as BLAS syrk, without a syrk:
 * libtorch exports none. Three full products would cost half as much again.
 *
 * <p>Z is written into one direct buffer that libtorch wraps without copying and that is reused
 * for every subset, so a subset costs one gather of its rows and no fresh 32 MB arrays. The kernel
 * (x.y / d + 1)^3 is applied in place and summed by libtorch: fetching each 2 MB block into Java
 * allocated a direct buffer per block, and their release by the garbage collector cost more than
 * the sums.
 */
final class SubsetGram implements AutoCloseable {
    /** Rows per block: 500 x 500 products of 2048-d rows run at full BLAS speed on 2 cores (250 did not). */
    static final int BLOCK = 500;

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
        this.stacked = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
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
        int perSide = (m + BLOCK - 1) / BLOCK;
        double gamma = 1.0 / d;
        double xx = 0;
        double yy = 0;
        double xy = 0;
        try (NDManager scope = manager.newSubManager()) {
            NDArray z = scope.create(stacked, new Shape(2L * m, d), DataType.FLOAT64);
            for (int bi = 0; bi < 2 * perSide; bi++) {
                for (int bj = 0; bj <= bi; bj++) {
                    int iFrom = start(bi, perSide);
                    int iTo = end(bi, perSide);
                    int jFrom = start(bj, perSide);
                    int jTo = end(bj, perSide);
                    double sum;
                    try (NDArray kernel = z.get(iFrom + ":" + iTo).matMul(z.get(jFrom + ":" + jTo).transpose())) {
                        if (kernel.getDataType() != DataType.FLOAT64) {
                            throw new IllegalStateException("expected a float64 product, got " + kernel.getDataType());
                        }
                        kernel.muli(gamma).addi(1).powi(3);
                        sum = kernel.sum().getDouble();
                        if (bi == bj) {
                            sum -= kernel.diagonal().sum().getDouble();
                        }
                    }
                    boolean diagonal = bi == bj;
                    boolean rowInX = bi < perSide;
                    boolean colInX = bj < perSide;
                    if (rowInX != colInX) {
                        xy += sum;
                    } else if (rowInX) {
                        xx += diagonal ? sum : 2 * sum;
                    } else {
                        yy += diagonal ? sum : 2 * sum;
                    }
                }
            }
        }
        return (xx + yy) / ((double) m * (m - 1)) - 2 * xy / ((double) m * m);
    }

    /** First row of block b: X's blocks, then Y's, so that no block spans both subsets. */
    private int start(int b, int perSide) {
        return b < perSide ? b * BLOCK : m + (b - perSide) * BLOCK;
    }

    private int end(int b, int perSide) {
        return b < perSide ? Math.min(m, (b + 1) * BLOCK) : Math.min(2 * m, m + (b - perSide + 1) * BLOCK);
    }

    @Override
    public void close() {
        manager.close();
    }
}
