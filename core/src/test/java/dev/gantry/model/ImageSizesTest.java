package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.gantry.spec.Architecture;
import dev.gantry.spec.AttentionKind;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageSizesTest {
    @ParameterizedTest(name = "{0}x{0}, {1} channel(s), attention {2}, {3}")
    @CsvSource({"32,1,8,SELF_ATTENTION", "64,3,32,SELF_ATTENTION", "128,3,64,RESIDUAL", "64,1,16,RESIDUAL"})
    void generatorAndDiscriminatorHaveTheRightShapes(int size, int channels, int attentionSize, AttentionKind kind) {
        NetworkConfig g = new NetworkConfig(1, List.of(attentionSize), true);
        NetworkConfig d = new NetworkConfig(1, Architecture.forImageSize(size).discriminatorAttentionSizes().subList(0, 1),
                size != 128);
        ModelConfig config = new ModelConfig(size, channels, 4, 8, g, d, kind, 0.1);
        try (NDManager m = NDManager.newBaseManager(); Sagan sagan = new Sagan(config, 1, m)) {
            NDArray z = m.create(Init.normal(1).values(new Shape(2, 8), new SplittableRandom(1)), new Shape(2, 8));
            NDArray labels = m.create(new long[] {0, 3});
            NDArray images = sagan.generator().forward(z, labels, Forward.TRAIN);
            assertEquals(new Shape(2, channels, size, size), images.getShape());
            assertTrue(images.abs().max().getFloat() <= 1f, "tanh output in [-1, 1]");
            assertEquals(new Shape(2), sagan.discriminator().forward(images, labels, Forward.TRAIN).getShape());
            String attentionTensor = kind == AttentionKind.SELF_ATTENTION ? "G.attention" + attentionSize + ".gamma"
                    : "G.attention" + attentionSize + ".conv1.weight";
            assertEquals(true, sagan.generatorState().all().containsKey(attentionTensor), attentionTensor);
        }
    }
}
