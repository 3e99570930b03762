package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * A class embedding (numClasses, dim) with optional spectral norm on the whole table, as
 * PyTorch's spectral_norm does for nn.Embedding.
 */
public final class EmbeddingLayer {
    private final NDArray weight;
    private final SpectralNorm spectralNorm;

    public EmbeddingLayer(ParameterScope scope, long numClasses, long dim, boolean sn, Init init) {
        Shape shape = new Shape(numClasses, dim);
        this.weight = scope.parameter("weight", shape, init);
        this.spectralNorm = sn ? new SpectralNorm(scope, shape) : null;
    }

    /** @param labels int64 class indices, shape (batch) */
    public NDArray forward(NDArray labels, Forward f) {
        NDArray w = spectralNorm == null ? weight : spectralNorm.apply(weight, f.training());
        return Embedding.embedding(labels, w, SparseFormat.DENSE).singletonOrThrow();
    }
}
