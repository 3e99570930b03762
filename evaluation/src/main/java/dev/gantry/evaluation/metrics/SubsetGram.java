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
 * <p>The two subsets are stacked, Z = [X; Y], and only the lower triangle of Z Z^T is multiplied,
 * a panel of rows at a time against all rows up to the panel's last: it holds X X^T and Y Y^T
 * (each pair below the diagonal standing for its mirror image too) and all of Y X^T. That is the
 * work of NumPy's x @ x.T, which runs as BLAS syrk (libtorch exports none), plus the upper halves
 * of the panels' squares; three full products would take half as much again. Panels are wide
 * products (128 x up to 2m, inner dimension d), which BLAS runs at full speed on one thread.
 *
 * <p>Z is written into one direct buffer that libtorch wraps without copying and that is reused
 * for every subset, so a subset costs one gather of its rows and no fresh 32 MB arrays. Each
 * panel's products are copied from a view of libtorch's memory into one reused array and the
 * kernel summed there in one pass (toDoubleArray() allocated a direct buffer per call, whose
 * release by the garbage collector cost more than the sums; libtorch's element-wise ops took
 * several passes).
 */
final class SubsetGram implements AutoCloseable {
    /** Rows per panel: the upper halves of the panels' squares, computed for nothing, are PANEL / 2m more work (6% at m = 1000). */
    static final int PANEL = 128;

    private final NDManager manager = NDManager.newBaseManager();
    private final int m;
    private final int d;
    private final ByteBuffer stacked;
    /** One panel's inner products, reused. */
    private final double[] panel;

    SubsetGram(int m, int d) {
        long bytes = 2L * m * d * Double.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new StatisticsException("KID: two subsets of " + m + " x " + d + " features need " + bytes
                    + " bytes, more than one buffer holds; use smaller subsets");
        }
        this.m = m;
        this.d = d;
        this.panel = new double[Math.min(PANEL, m) * 2 * m];
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
        double xx = 0;
        double yy = 0;
        double xy = 0;
        double[] dots = panel;
        try (NDManager scope = manager.newSubManager()) {
            NDArray z = scope.create(stacked, new Shape(2L * m, d), DataType.FLOAT64);
            for (int side = 0; side < 2; side++) {
                int first = side * m;
                for (int a = first; a < first + m; a += PANEL) {
                    int b = Math.min(first + m, a + PANEL);
                    int rows = b - a;
                    try (NDArray product = z.get(a + ":" + b).matMul(z.get("0:" + b).transpose())) {
                        if (product.getDataType() != DataType.FLOAT64) {
                            throw new IllegalStateException("expected a float64 product, got " + product.getDataType());
                        }
                        // a view of libtorch's memory, copied into one reused array (no allocation per panel)
                        product.toByteBuffer(true).order(ByteOrder.nativeOrder()).asDoubleBuffer().get(dots, 0, rows * b);
                    }
                    for (int r = 0; r < rows; r++) {
                        int row = r * b;
                        // rows [a, b) against: the other subset (Y's panels only), earlier rows of the same
                        // subset (each pair also standing for its mirror image), and the panel's own square
                        // below its diagonal (likewise)
                        double before = kernelSum(dots, row + first, row + a + r);
                        if (side == 0) {
                            xx += 2 * before;
                        } else {
                            yy += 2 * before;
                            xy += kernelSum(dots, row, row + m);
                        }
                    }
                }
            }
        }
        return (xx + yy) / ((double) m * (m - 1)) - 2 * xy / ((double) m * m);
    }

    /** Sum of (x.y / d + 1)^3 over dots[from, to). */
    private double kernelSum(double[] dots, int from, int to) {
        double gamma = 1.0 / d;
        double sum = 0;
        for (int i = from; i < to; i++) {
            double k = dots[i] * gamma + 1;
            sum += k * k * k;
        }
        return sum;
    }

    @Override
    public void close() {
        manager.close();
    }
}
