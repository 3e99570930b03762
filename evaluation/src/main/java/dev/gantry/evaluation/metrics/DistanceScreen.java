package dev.gantry.evaluation.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteOrder;

/**
 * Squared Euclidean distances between the rows of two feature sets, screened in float32 and
 * settled in float64 only where the screen cannot decide.
 *
 * <p>Nearest-neighbour metrics only compare distances with radii. libtorch's float32 products run
 * 2.4 times as fast as its float64 ones here, and a float32 inner product of d terms is off from
 * the exact one by at most about (d + 2) u |x| |y| (u = 2^-24, whatever the summation order), so
 * every screened distance comes with a band that certainly holds the float64 value. A comparison
 * the band does not straddle is decided; the few that it does are recomputed from the float64
 * features ({@link #exact}). The results are those of a float64 computation.
 *
 * <p>Rows are centred on the first set's mean before the cast: distances do not change, but the
 * norms the band grows with shrink (ReLU features have a large common mean).
 */
final class DistanceScreen implements AutoCloseable {
    private static final double UNIT_ROUNDOFF = 0x1p-24;
    /** Covers float32 underflow (products below 2^-126 lose relative accuracy); far below any real distance. */
    static final double ABSOLUTE_BAND = 0x1p-100;

    private final NDManager manager = NDManager.newBaseManager();
    private final Features x;
    private final Features y;
    private final NDArray xLow;
    private final NDArray yLow;
    /** Squared norms of the centred float32 rows, summed in float64. */
    private final double[] xNorms;
    private final double[] yNorms;
    /** Band half-width per unit of (xNorm + yNorm). */
    private final double relativeBand;

    /** @param y the same object as x for the distances within one set */
    DistanceScreen(Features x, Features y) {
        this.x = x;
        this.y = y;
        double[] centre = mean(x);
        float[] xc = centred(x, centre);
        xNorms = squaredNorms(xc, x.n(), x.d());
        xLow = manager.create(xc, new Shape(x.n(), x.d()));
        if (y == x) {
            yNorms = xNorms;
            yLow = xLow;
        } else {
            float[] yc = centred(y, centre);
            yNorms = squaredNorms(yc, y.n(), y.d());
            yLow = manager.create(yc, new Shape(y.n(), y.d()));
        }
        // |dot error| <= gamma_(d) |x||y| for the product of the rounded rows, plus 2u|x||y| from rounding
        // them and the float64 rounding of the centring; 2|x||y| <= |x|^2 + |y|^2. Generous factor 1.25.
        relativeBand = 1.25 * (x.d() + 8) * UNIT_ROUNDOFF;
    }

    /** Receives float32 inner products of rows [rowFrom, rowFrom + rows) of x with rows [0, cols) of y. */
    interface BlockVisitor {
        void visit(int rowFrom, int rows, int cols, float[] dots);
    }

    /**
     * Visits x against y in blocks of {@code block} rows of x. With {@code lowerTriangle} (x and y
     * the same set) each block only reaches the columns up to its own last row: the pairs (i, j)
     * with j < i are all visited, half the products.
     */
    void forEachBlock(int block, boolean lowerTriangle, BlockVisitor visitor) {
        float[] dots = new float[Math.min(block, x.n()) * y.n()];
        for (int from = 0; from < x.n(); from += block) {
            int to = Math.min(x.n(), from + block);
            int cols = lowerTriangle ? to : y.n();
            try (NDArray product = xLow.get(from + ":" + to).matMul(yLow.get("0:" + cols).transpose())) {
                if (product.getDataType() != DataType.FLOAT32) {
                    throw new IllegalStateException("expected a float32 product, got " + product.getDataType());
                }
                // A view of libtorch's memory, copied into one reused array: toFloatArray() would allocate
                // a 40 MB direct buffer and a 40 MB array per block.
                product.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().get(dots, 0, (to - from) * cols);
            }
            visitor.visit(from, to - from, cols, dots);
        }
    }

    /** Screened squared distance of x's row i and y's row j, from their float32 inner product. */
    double screened(int i, int j, float dot) {
        return xNorms[i] + yNorms[j] - 2.0 * dot;
    }

    /** Half-width of the band around {@link #screened} that holds the float64 squared distance. */
    double band(int i, int j) {
        return relativeBand * (xNorms[i] + yNorms[j]) + ABSOLUTE_BAND;
    }

    double xNorm(int i) {
        return xNorms[i];
    }

    double yNorm(int j) {
        return yNorms[j];
    }

    double relativeBand() {
        return relativeBand;
    }

    /** The squared distance of x's row i and y's row j, summed in float64 from the features. */
    double exact(int i, int j) {
        double[] a = x.values();
        double[] b = y.values();
        int d = x.d();
        int ai = i * d;
        int bj = j * d;
        double sum = 0;
        for (int k = 0; k < d; k++) {
            double diff = a[ai + k] - b[bj + k];
            sum += diff * diff;
        }
        return sum;
    }

    private static double[] mean(Features f) {
        double[] mean = new double[f.d()];
        double[] v = f.values();
        for (int i = 0; i < f.n(); i++) {
            for (int k = 0; k < f.d(); k++) {
                mean[k] += v[i * f.d() + k];
            }
        }
        for (int k = 0; k < f.d(); k++) {
            mean[k] /= f.n();
        }
        return mean;
    }

    private static float[] centred(Features f, double[] centre) {
        float[] out = new float[f.values().length];
        double[] v = f.values();
        int d = f.d();
        for (int i = 0; i < f.n(); i++) {
            for (int k = 0; k < d; k++) {
                out[i * d + k] = (float) (v[i * d + k] - centre[k]);
            }
        }
        return out;
    }

    private static double[] squaredNorms(float[] rows, int n, int d) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < d; k++) {
                double v = rows[i * d + k];
                s += v * v;
            }
            out[i] = s;
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
