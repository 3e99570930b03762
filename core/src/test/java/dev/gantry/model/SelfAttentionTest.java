package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SelfAttentionTest {
    private static final int B = 2, C = 16, H = 3, W = 4, N = H * W;

    @Test
    void gammaZeroIsTheIdentity() {
        try (NDManager m = NDManager.newBaseManager()) {
            SelfAttention attention = new SelfAttention(scope(m, new TensorRegistry()), C, true);
            NDArray x = random(m, new Shape(B, C, H, W), 1);
            assertArrayEquals(x.toFloatArray(), attention.forward(x, Forward.TRAIN).toFloatArray(), 0f);
        }
    }

    /** The paper's formula evaluated directly in double precision, loop by loop. */
    @Test
    void matchesTheFormulaComputedInDoublePrecision() {
        try (NDManager m = NDManager.newBaseManager()) {
            TensorRegistry registry = new TensorRegistry();
            SelfAttention attention = new SelfAttention(scope(m, registry), C, false);
            attention.gamma().intern(m.create(new float[] {0.7f}).duplicate());
            NDArray x = random(m, new Shape(B, C, H, W), 2);
            AttentionMaps maps = new AttentionMaps();
            float[] actual = attention.forward(x, new Forward(false, maps)).toFloatArray();

            Map<String, ModelTensor> t = registry.all();
            double[][] wf = matrix(t.get("a.f.weight").array(), C / 8, C);
            double[][] wg = matrix(t.get("a.g.weight").array(), C / 8, C);
            double[][] wh = matrix(t.get("a.h.weight").array(), C / 2, C);
            double[][] wv = matrix(t.get("a.v.weight").array(), C, C / 2);
            float[] xs = x.toFloatArray();
            float[] recorded = maps.maps().get(0).weights().toFloatArray();
            for (int b = 0; b < B; b++) {
                double[][] f = project(wf, xs, b), g = project(wg, xs, b), h = project(wh, xs, b);
                for (int j = 0; j < N; j++) {
                    double[] s = new double[N];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < N; i++) {
                        for (int c = 0; c < C / 8; c++) {
                            s[i] += f[c][i] * g[c][j];
                        }
                        max = Math.max(max, s[i]);
                    }
                    double z = 0;
                    for (int i = 0; i < N; i++) {
                        s[i] = Math.exp(s[i] - max);
                        z += s[i];
                    }
                    double rowSum = 0;
                    for (int i = 0; i < N; i++) {
                        s[i] /= z; // beta_{j,i}
                        assertEquals(s[i], recorded[(b * N + j) * N + i], 1e-5, "attention map");
                        rowSum += recorded[(b * N + j) * N + i];
                    }
                    assertEquals(1.0, rowSum, 1e-5);
                    double[] o = new double[C / 2];
                    for (int c = 0; c < C / 2; c++) {
                        for (int i = 0; i < N; i++) {
                            o[c] += s[i] * h[c][i];
                        }
                    }
                    for (int c = 0; c < C; c++) {
                        double v = 0;
                        for (int k = 0; k < C / 2; k++) {
                            v += wv[c][k] * o[k];
                        }
                        double expected = 0.7 * v + xs[(b * C + c) * N + j];
                        assertEquals(expected, actual[(b * C + c) * N + j], 1e-4, "y at b=" + b + " c=" + c + " j=" + j);
                    }
                }
            }
        }
    }

    /**
     * The block computes o as a transposed product, a view with channels-last strides; a
     * default-order network must not get that order back, or every convolution after the block
     * would run channels-last (which happened on the 64x64 configuration).
     */
    @Test
    void theOutputKeepsItsNetworksMemoryOrder() {
        for (boolean channelsLast : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager()) {
                SelfAttention attention = new SelfAttention(scope(m, new TensorRegistry()).withChannelsLast(channelsLast), C, true);
                attention.gamma().intern(m.create(new float[] {0.5f}).duplicate());
                NDArray x = random(m, new Shape(B, C, H, W), 3);
                NDArray input = channelsLast ? ChannelsLast.of(x) : x;
                // A channels-last network's v runs channels-last only where the guard accepts its shape on this CPU.
                boolean vChannelsLast = channelsLast
                        && ChannelsLast.forConvolution(m.zeros(new Shape(B, C / 2, H, W)), m.zeros(new Shape(C, C / 2, 1, 1)), 0);
                long[] expected = vChannelsLast ? ChannelsLastTest.channelsLastStrides(x.getShape()) : new long[] {C * N, N, W, 1};
                assertArrayEquals(expected, ChannelsLastTest.strides(attention.forward(input, Forward.TRAIN)),
                        channelsLast ? "channels-last network" : "default-order network");
            }
        }
    }

    @Test
    void residualStandInHasTheClosestAchievableParameterCount() {
        for (long c : new long[] {32, 64, 128, 256, 512}) {
            long target = ResidualStandIn.attentionParameters(c);
            long k = ResidualStandIn.hiddenWidth(c);
            long perHidden = 18 * c + 1;
            long diff = Math.abs(ResidualStandIn.parameters(c) - target);
            // one hidden channel more or fewer would not get closer
            assertTrue(diff <= Math.abs(ResidualStandIn.parameters(c) + perHidden - target), "C=" + c);
            assertTrue(k == 1 || diff <= Math.abs(ResidualStandIn.parameters(c) - perHidden - target), "C=" + c);
            if (c >= 128) {
                assertEquals(1.0, (double) ResidualStandIn.parameters(c) / target, 0.05, "C=" + c);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            TensorRegistry a = new TensorRegistry();
            new SelfAttention(scope(m, a), 256, true);
            TensorRegistry r = new TensorRegistry();
            new ResidualStandIn(scope(m, r), 256, true);
            assertEquals(ResidualStandIn.attentionParameters(256), a.parameterCount());
            assertEquals(ResidualStandIn.parameters(256), r.parameterCount());
        }
    }

    private static ParameterScope scope(NDManager m, TensorRegistry registry) {
        return new ParameterScope("a", registry, m, 11, DataType.FLOAT32);
    }

    private static NDArray random(NDManager m, Shape shape, long seed) {
        return m.create(Init.normal(1).values(shape, new SplittableRandom(seed)), shape);
    }

    private static double[][] matrix(NDArray w, int rows, int cols) {
        float[] v = w.toFloatArray();
        double[][] out = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = v[r * cols + c];
            }
        }
        return out;
    }

    /** 1x1 conv without bias: out[c][n] = sum_k w[c][k] x[b][k][n]. */
    private static double[][] project(double[][] w, float[] x, int b) {
        double[][] out = new double[w.length][N];
        for (int c = 0; c < w.length; c++) {
            for (int n = 0; n < N; n++) {
                for (int k = 0; k < C; k++) {
                    out[c][n] += w[c][k] * x[(b * C + k) * N + n];
                }
            }
        }
        return out;
    }
}
