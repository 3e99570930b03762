package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Loading stored values into a model's existing tensors. */
public final class TensorValues {
    private TensorValues() {}

    /**
     * Gives {@code target} new values while keeping its identity (layers hold the reference).
     * The values are copied into torch-owned memory first: an array made from a Java buffer
     * shares that buffer, which would not outlive the temporary wrapper.
     */
    public static void replace(NDArray target, float[] values, boolean trainable) {
        NDManager manager = target.getManager();
        try (NoGrad ignored = new NoGrad(); NDArray wrapped = manager.create(values, target.getShape())) {
            target.intern(wrapped.duplicate());
        }
        if (trainable) {
            target.setRequiresGradient(true);
        }
    }
}
