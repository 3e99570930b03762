package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.gantry.spec.Architecture;
import dev.gantry.spec.AttentionKind;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DiscriminatorTest {
    @Test
    void outputIsLinearOnFeaturesPlusClassEmbeddingProjection() {
        ModelConfig config = new ModelConfig(32, 1, 5, 8, new NetworkConfig(2, List.of(), false),
                new NetworkConfig(2, List.of(16), false), AttentionKind.SELF_ATTENTION, 0.1);
        try (NDManager m = NDManager.newBaseManager(); Sagan sagan = new Sagan(config, 3, m)) {
            Shape shape = new Shape(4, 1, 32, 32);
            NDArray x = m.create(Init.normal(1).values(shape, new SplittableRandom(1)), shape);
            long[] labels = {0, 3, 4, 3};
            float[] d = sagan.discriminator().forward(x, m.create(labels), Forward.EVAL).toFloatArray();
            float[] phi = sagan.discriminator().features(x, Forward.EVAL).toFloatArray();
            var state = sagan.discriminatorState().all();
            float[] w = state.get("D.output.weight").array().toFloatArray();
            float b = state.get("D.output.bias").array().toFloatArray()[0];
            float[] e = state.get("D.projection.weight").array().toFloatArray();
            int c = w.length;
            assertEquals(8, c, "32x32 D is 4x its base width");
            for (int i = 0; i < labels.length; i++) {
                double expected = b;
                for (int k = 0; k < c; k++) {
                    expected += (w[k] + e[(int) labels[i] * c + k]) * phi[i * c + k];
                }
                assertEquals(expected, d[i], 1e-3 * Math.max(1, Math.abs(expected)), "image " + i);
            }
        }
    }

    @Test
    void architectureListsWhereAttentionCanGo() {
        assertEquals(List.of(8, 16, 32), Architecture.forImageSize(32).generatorAttentionSizes());
        assertEquals(List.of(16, 8), Architecture.forImageSize(32).discriminatorAttentionSizes());
        assertEquals(List.of(8, 16, 32, 64), Architecture.forImageSize(64).generatorAttentionSizes());
        assertEquals(List.of(64, 32, 16, 8, 4), Architecture.forImageSize(128).discriminatorAttentionSizes());
    }
}
