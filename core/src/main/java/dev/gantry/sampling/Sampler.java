package dev.gantry.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.gantry.model.AttentionMaps;
import dev.gantry.model.Forward;
import dev.gantry.model.Generator;
import dev.gantry.model.NoGrad;
import dev.gantry.model.Sagan;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.training.StepRandomness;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates images from a trained generator in evaluation mode (running BN statistics, stored
 * spectral-norm vectors), deterministically for a given (model state, seed, labels).
 */
public final class Sampler {
    /** Images as float CHW in [-1, 1], with the attention maps of the pass when requested. */
    public record Samples(int count, int channels, int size, float[] pixels, long[] labels,
            List<AttentionMap> attention) {}

    /** One attention layer's maps for all images: weights[image][query][key]. */
    public record AttentionMap(String layer, int height, int width, float[] weights) {
        public float weight(int image, int query, int key) {
            int n = height * width;
            return weights[(image * n + query) * n + key];
        }
    }

    private final Sagan model;
    private final Generator generator;

    public Sampler(Sagan model) {
        this(model, GeneratorChoice.RAW);
    }

    /** @throws IllegalArgumentException for EMA when the model keeps no EMA generator */
    public Sampler(Sagan model, GeneratorChoice choice) {
        this.model = model;
        this.generator = model.generator(choice);
    }

    public Samples generate(long[] labels, long seed, boolean withAttention) {
        return generate(labels, seed, 0, withAttention);
    }

    /** @param stream tells apart the batches of one evaluation (each gets its own noise) */
    public Samples generate(long[] labels, long seed, long stream, boolean withAttention) {
        int zDim = model.config().zDim();
        int size = model.config().imageSize();
        int channels = model.config().imageChannels();
        SplittableRandom random = StepRandomness.generator(seed, stream, 0, StepRandomness.Role.EVAL);
        float[] z = StepRandomness.normal(random, labels.length, zDim);
        NDManager manager = model.manager();
        try (NDScope scope = new NDScope(); NoGrad ignored = new NoGrad()) {
            scope.suppressNotUsedWarning();
            AttentionMaps maps = withAttention ? new AttentionMaps() : null;
            NDArray images = generator.forward(manager.create(z, new Shape(labels.length, zDim)),
                    manager.create(labels), new Forward(false, maps));
            List<AttentionMap> attention = new ArrayList<>();
            if (maps != null) {
                for (AttentionMaps.Map m : maps.maps()) {
                    attention.add(new AttentionMap(m.layer(), m.height(), m.width(),
                            m.weights().toType(DataType.FLOAT32, false).toFloatArray()));
                }
            }
            return new Samples(labels.length, channels, size, images.toType(DataType.FLOAT32, false).toFloatArray(),
                    labels.clone(), attention);
        }
    }
}
