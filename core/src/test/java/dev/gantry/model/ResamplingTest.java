package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both ways upsampling is computed (libtorch's op for small outputs, a broadcast for large ones),
 * and the identities the residual blocks' shortcuts rely on.
 */
class ResamplingTest {
    @ParameterizedTest(name = "input 1x{0}x{1}x{2}")
    @CsvSource({"2,2,2", "3,400,480"})
    void upsamplingRepeatsEachPixelAndItsGradientSumsTheFourCopies(int channels, int height, int width) {
        boolean large = 4L * channels * height * width > Resampling.NATIVE_UP_TO;
        assertEquals(height > 100, large, "the cases cover both ways");
        try (NDManager m = NDManager.newBaseManager()) {
            float[] values = new float[channels * height * width];
            for (int i = 0; i < values.length; i++) {
                values[i] = i % 1000;
            }
            NDArray x = m.create(values, new Shape(1, channels, height, width));
            x.setRequiresGradient(true);
            int outH = 2 * height, outW = 2 * width;
            float[] weights = new float[channels * outH * outW];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = i % 7;
            }
            NDArray up;
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                up = Resampling.upsample2x(x);
                gc.backward(up.mul(m.create(weights, new Shape(1, channels, outH, outW))).sum());
            }
            assertEquals(new Shape(1, channels, outH, outW), up.getShape());
            float[] expectedUp = new float[weights.length];
            float[] expectedGrad = new float[values.length];
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < outH; i++) {
                    for (int j = 0; j < outW; j++) {
                        int source = (c * height + i / 2) * width + j / 2;
                        int target = (c * outH + i) * outW + j;
                        expectedUp[target] = values[source];
                        expectedGrad[source] += weights[target];
                    }
                }
            }
            assertArrayEquals(expectedUp, up.toFloatArray());
            assertArrayEquals(expectedGrad, x.getGradient().toFloatArray());
        }
    }

    /**
     * G's shortcut convolves before upsampling and D's pools before convolving; both are the
     * papers' function only because a 1x1 convolution, bias included, commutes with each.
     */
    @Test
    void aOneByOneConvolutionWithBiasCommutesWithUpsamplingAndPooling() {
        try (NDManager m = NDManager.newBaseManager()) {
            TensorRegistry registry = new TensorRegistry();
            ConvLayer conv = new ConvLayer(new ParameterScope("s", registry, m, 5, DataType.FLOAT32), 6, 4, 1, true, false);
            registry.all().get("s.bias").array().intern(m.create(new float[] {0.5f, -1f, 2f, 0.25f}));
            Shape shape = new Shape(2, 6, 6, 6);
            NDArray x = m.create(Init.normal(1).values(shape, new SplittableRandom(3)), shape);
            assertArrayEquals(conv.forward(Resampling.upsample2x(x), Forward.TRAIN).toFloatArray(),
                    Resampling.upsample2x(conv.forward(x, Forward.TRAIN)).toFloatArray(), 1e-5f, "upsampling");
            assertArrayEquals(conv.forward(Resampling.avgPool2x(x), Forward.TRAIN).toFloatArray(),
                    Resampling.avgPool2x(conv.forward(x, Forward.TRAIN)).toFloatArray(), 1e-5f, "pooling");
        }
    }
}
