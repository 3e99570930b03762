package dev.gantry.model;

import ai.djl.ndarray.NDArray;

/**
 * A named tensor owned by a network: a trainable parameter, or a buffer that is state but not
 * trained (spectral-norm u/v vectors, batch-norm running statistics). Checkpoints store both.
 * The NDArray keeps its identity for the life of the model; updates and loads replace its
 * contents, never the reference.
 */
public record ModelTensor(String name, NDArray array, boolean trainable) {}
