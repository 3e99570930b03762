package dev.gantry.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.gantry.spec.ModelConfig;

/**
 * A generator and a discriminator built from one config and one seed, with their named state.
 * G's tensors are prefixed "G.", D's "D.".
 */
public final class Sagan implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final TensorRegistry generatorState = new TensorRegistry();
    private final TensorRegistry discriminatorState = new TensorRegistry();
    private final Generator generator;
    private final Discriminator discriminator;

    public Sagan(ModelConfig config, long seed, NDManager parent) {
        this(config, seed, parent, DataType.FLOAT32);
    }

    /** @param dataType FLOAT32 for training; FLOAT64 only for numerical reference checks */
    public Sagan(ModelConfig config, long seed, NDManager parent, DataType dataType) {
        this.config = config;
        this.manager = parent.newSubManager();
        this.generator = new Generator(new ParameterScope("G", generatorState, manager, seed, dataType), config);
        this.discriminator = new Discriminator(new ParameterScope("D", discriminatorState, manager, seed, dataType),
                config);
    }

    public ModelConfig config() {
        return config;
    }

    public Generator generator() {
        return generator;
    }

    public Discriminator discriminator() {
        return discriminator;
    }

    public TensorRegistry generatorState() {
        return generatorState;
    }

    public TensorRegistry discriminatorState() {
        return discriminatorState;
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
