package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * Where layers create their tensors: a name prefix, the network's registry, the manager that
 * owns long-lived arrays, and the trial seed. Initial values are drawn in Java from a generator
 * keyed by (seed, tensor name), so they do not depend on the engine's RNG, on the device, or on
 * the order in which layers are built.
 */
public final class ParameterScope {
    private final String prefix;
    private final TensorRegistry registry;
    private final NDManager manager;
    private final long seed;
    private final DataType dataType;
    private final boolean trainable;
    private final boolean channelsLast;

    public ParameterScope(String prefix, TensorRegistry registry, NDManager manager, long seed, DataType dataType) {
        this(prefix, registry, manager, seed, dataType, true, false);
    }

    private ParameterScope(String prefix, TensorRegistry registry, NDManager manager, long seed, DataType dataType,
            boolean trainable, boolean channelsLast) {
        this.prefix = prefix;
        this.registry = registry;
        this.manager = manager;
        this.seed = seed;
        this.dataType = dataType;
        this.trainable = trainable;
        this.channelsLast = channelsLast;
    }

    /**
     * The same scope whose parameters are state but never trained: a network whose weights are
     * set from outside (the EMA generator), with no gradients and nothing for an optimizer.
     */
    public ParameterScope frozen() {
        return new ParameterScope(prefix, registry, manager, seed, dataType, false, channelsLast);
    }

    /**
     * The same scope whose convolutions prefer the channels-last order ({@link ChannelsLast}); a
     * network decides this once for all its layers, since mixing orders costs more than either.
     */
    public ParameterScope withChannelsLast(boolean preferred) {
        return new ParameterScope(prefix, registry, manager, seed, dataType, trainable, preferred);
    }

    /** Whether convolutions created here prefer the channels-last order. */
    public boolean channelsLast() {
        return channelsLast;
    }

    public ParameterScope child(String name) {
        return new ParameterScope(qualified(name), registry, manager, seed, dataType, trainable, channelsLast);
    }

    /** The dotted prefix of tensors created here, e.g. "G.attention16". */
    public String name() {
        return prefix;
    }

    public NDManager manager() {
        return manager;
    }

    /** A trainable tensor (in a frozen scope: state that is not trained). */
    public NDArray parameter(String name, Shape shape, Init init) {
        NDArray array = create(init.values(shape, random(name)), shape);
        if (trainable) {
            array.setRequiresGradient(true);
        }
        registry.add(new ModelTensor(qualified(name), array, trainable));
        return array;
    }

    /** State that is saved and loaded but not trained. */
    public NDArray buffer(String name, Shape shape, Init init) {
        NDArray array = create(init.values(shape, random(name)), shape);
        registry.add(new ModelTensor(qualified(name), array, false));
        return array;
    }

    /** A fixed array that is not state (padding zeros, unit gains). */
    public NDArray constant(float value, Shape shape) {
        return manager.full(shape, value, dataType);
    }

    /**
     * Float64 models exist only as numerical references: the same initial values (float32
     * values widen exactly) with every op in double precision.
     */
    private NDArray create(float[] values, Shape shape) {
        NDArray array = manager.create(values, shape);
        if (dataType == DataType.FLOAT32) {
            return array;
        }
        NDArray converted = array.toType(dataType, true);
        array.close();
        return converted;
    }

    private String qualified(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    private SplittableRandom random(String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((seed + "/" + qualified(name)).getBytes(StandardCharsets.UTF_8));
            long key = 0;
            for (int i = 0; i < 8; i++) {
                key = (key << 8) | (h[i] & 0xff);
            }
            return new SplittableRandom(key);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
