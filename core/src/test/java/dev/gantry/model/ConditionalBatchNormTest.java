package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConditionalBatchNormTest {
    private static final int B = 6, C = 3, H = 4, W = 4;

    @Test
    void normalisesWithBatchStatisticsThenAppliesEachSamplesClassGainAndBias() {
        try (NDManager m = NDManager.newBaseManager()) {
            TensorRegistry registry = new TensorRegistry();
            ConditionalBatchNorm cbn = new ConditionalBatchNorm(new ParameterScope("cbn", registry, m, 1, DataType.FLOAT32),
                    2, C, false, 0.1);
            float[] gain = {0.5f, -0.25f, 1f, /* class 1 */ 0f, 2f, -0.5f};
            float[] bias = {1f, 2f, 3f, /* class 1 */ -1f, 0f, 0.5f};
            registry.all().get("cbn.gain.weight").array().intern(m.create(gain, new Shape(2, C)).duplicate());
            registry.all().get("cbn.bias.weight").array().intern(m.create(bias, new Shape(2, C)).duplicate());
            float[] xs = new float[B * C * H * W];
            SplittableRandom random = new SplittableRandom(4);
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) (random.nextGaussian() * 3 + 2);
            }
            long[] labels = {0, 1, 1, 0, 1, 0};
            float[] y = cbn.forward(m.create(xs, new Shape(B, C, H, W)), m.create(labels), Forward.TRAIN).toFloatArray();
            for (int c = 0; c < C; c++) {
                double mean = 0, var = 0;
                for (int b = 0; b < B; b++) {
                    for (int p = 0; p < H * W; p++) {
                        mean += xs[(b * C + c) * H * W + p];
                    }
                }
                mean /= B * H * W;
                for (int b = 0; b < B; b++) {
                    for (int p = 0; p < H * W; p++) {
                        double d = xs[(b * C + c) * H * W + p] - mean;
                        var += d * d;
                    }
                }
                var /= B * H * W; // biased variance, as batch norm normalises with
                for (int b = 0; b < B; b++) {
                    int k = (int) labels[b];
                    for (int p = 0; p < H * W; p++) {
                        int i = (b * C + c) * H * W + p;
                        double expected = (xs[i] - mean) / Math.sqrt(var + 1e-5) * (1 + gain[k * C + c]) + bias[k * C + c];
                        assertEquals(expected, y[i], 1e-4, "b=" + b + " c=" + c);
                    }
                }
                // PyTorch momentum 0.1: running_mean = 0.9 * 0 + 0.1 * batch mean
                float running = registry.all().get("cbn.bn.running_mean").array().toFloatArray()[c];
                assertEquals(0.1 * mean, running, 1e-5);
            }
        }
    }
}
