package dev.gantry.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.spec.ModelConfig;
import java.util.Map;

/**
 * A generator and a discriminator built from one config and one seed, with their named state.
 * G's tensors are prefixed "G.", D's "D.". With an EMA generator, a second generator of the same
 * shape ("G_ema.") holds the moving average of G's tensors; it starts as a copy of G.
 */
public final class Sagan implements AutoCloseable {
    private final ModelConfig config;
    private final DataType dataType;
    private final NDManager manager;
    private final TensorRegistry generatorState = new TensorRegistry();
    private final TensorRegistry discriminatorState = new TensorRegistry();
    private final Generator generator;
    private final Discriminator discriminator;
    private final TensorRegistry emaGeneratorState;
    private final Generator emaGenerator;

    public Sagan(ModelConfig config, long seed, NDManager parent) {
        this(config, seed, parent, DataType.FLOAT32, false);
    }

    public Sagan(ModelConfig config, long seed, NDManager parent, boolean withEmaGenerator) {
        this(config, seed, parent, DataType.FLOAT32, withEmaGenerator);
    }

    /** @param dataType FLOAT32 for training; FLOAT64 only for numerical reference checks */
    public Sagan(ModelConfig config, long seed, NDManager parent, DataType dataType) {
        this(config, seed, parent, dataType, false);
    }

    private Sagan(ModelConfig config, long seed, NDManager parent, DataType dataType, boolean withEmaGenerator) {
        this.config = config;
        this.dataType = dataType;
        this.manager = parent.newSubManager();
        this.generator = new Generator(new ParameterScope("G", generatorState, manager, seed, dataType), config);
        this.discriminator = new Discriminator(new ParameterScope("D", discriminatorState, manager, seed, dataType),
                config);
        if (withEmaGenerator) {
            emaGeneratorState = new TensorRegistry();
            emaGenerator = new Generator(
                    new ParameterScope("G_ema", emaGeneratorState, manager, seed, dataType).frozen(), config);
            MovingAverage.copy(generatorState, emaGeneratorState);
        } else {
            emaGeneratorState = null;
            emaGenerator = null;
        }
    }

    public ModelConfig config() {
        return config;
    }

    /** Float32, or float64 for a numerical reference. */
    public DataType dataType() {
        return dataType;
    }

    public Generator generator() {
        return generator;
    }

    /** The generator an evaluation or sample grid asked for; EMA only where the model keeps one. */
    public Generator generator(GeneratorChoice choice) {
        if (choice == GeneratorChoice.RAW) {
            return generator;
        }
        if (emaGenerator == null) {
            throw new IllegalArgumentException("this model keeps no EMA generator (its spec has no training.ema)");
        }
        return emaGenerator;
    }

    public boolean hasEmaGenerator() {
        return emaGenerator != null;
    }

    /** G_ema's registry; only with an EMA generator. */
    public TensorRegistry emaGeneratorState() {
        if (emaGeneratorState == null) {
            throw new IllegalStateException("this model keeps no EMA generator");
        }
        return emaGeneratorState;
    }

    /** G_ema's tensors, in the same order as G's; empty without an EMA generator. */
    public Map<String, ModelTensor> emaGeneratorTensors() {
        return emaGeneratorState == null ? Map.of() : emaGeneratorState.all();
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
