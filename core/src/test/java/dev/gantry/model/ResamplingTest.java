package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class ResamplingTest {
    @Test
    void upsamplingRepeatsEachPixelTwiceAlongBothAxes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 2, 2, 2));
            NDArray up = Resampling.upsample2x(x);
            assertEquals(new Shape(1, 2, 4, 4), up.getShape());
            assertArrayEquals(new float[] {
                1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
                5, 5, 6, 6, 5, 5, 6, 6, 7, 7, 8, 8, 7, 7, 8, 8}, up.toFloatArray());
        }
    }

    @Test
    void upsamplingGradientSumsTheFourCopiesOfEachPixel() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(1, 1, 2, 3));
            x.setRequiresGradient(true);
            NDArray weights = m.arange(24f).reshape(1, 1, 4, 6);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                gc.backward(Resampling.upsample2x(x).mul(weights).sum());
            }
            // pixel (i, j) is copied to rows 2i, 2i+1 and columns 2j, 2j+1 of the 4x6 weights 0..23
            float[] expected = new float[6];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    int topLeft = 2 * i * 6 + 2 * j;
                    expected[i * 3 + j] = topLeft + (topLeft + 1) + (topLeft + 6) + (topLeft + 7);
                }
            }
            assertArrayEquals(expected, x.getGradient().toFloatArray());
        }
    }
}
