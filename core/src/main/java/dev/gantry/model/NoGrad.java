package dev.gantry.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns autograd recording off for the current thread until closed, then restores it. Used for
 * the spectral-norm power iteration and optimizer updates, which must not enter the graph.
 */
public final class NoGrad implements AutoCloseable {
    private final boolean previous;

    public NoGrad() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
