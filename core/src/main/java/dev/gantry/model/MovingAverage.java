package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The EMA generator's update: each tensor of the average moves toward the matching tensor of the
 * trained network, parameters and buffers alike (StudioGAN's Ema averages buffers too). Runs in
 * place, so layers keep their references, and in float32 on the engine, so it costs one pass over
 * G's weights per step and stays on the training device.
 */
public final class MovingAverage {
    private MovingAverage() {}

    /** Every tensor of {@code average} set to the matching tensor of {@code source}. */
    public static void copy(TensorRegistry source, TensorRegistry average) {
        update(source, average, 0.0);
    }

    /**
     * average = source + decay (average - source), computed as average - (1 - decay)(average - source);
     * decay 0 copies (on the engine, so a -0.0 may arrive as +0.0; deterministic either way).
     */
    public static void update(TensorRegistry source, TensorRegistry average, double decay) {
        if (decay < 0.0 || decay >= 1.0) {
            throw new IllegalArgumentException("decay must be in [0, 1): " + decay);
        }
        float step = (float) (1.0 - decay);
        try (NoGrad ignored = new NoGrad(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray[] pair : pairs(source.all(), average.all())) {
                NDArray from = pair[0];
                NDArray to = pair[1];
                if (decay == 0.0) {
                    to.muli(0f).addi(from);
                } else {
                    to.subi(to.sub(from).muli(step));
                }
            }
        }
    }

    /** Tensors matched by name after the network prefix ("G.x" with "G_ema.x"), in registration order. */
    private static List<NDArray[]> pairs(Map<String, ModelTensor> source, Map<String, ModelTensor> average) {
        if (source.size() != average.size()) {
            throw new IllegalStateException("networks differ: " + source.size() + " vs " + average.size() + " tensors");
        }
        List<NDArray[]> out = new ArrayList<>();
        Iterator<ModelTensor> a = average.values().iterator();
        for (ModelTensor s : source.values()) {
            ModelTensor t = a.next();
            if (!suffix(s.name()).equals(suffix(t.name())) || !s.array().getShape().equals(t.array().getShape())) {
                throw new IllegalStateException("networks differ at " + s.name() + " / " + t.name());
            }
            out.add(new NDArray[] {s.array(), t.array()});
        }
        return out;
    }

    private static String suffix(String name) {
        return name.substring(name.indexOf('.') + 1);
    }
}
