package dev.gantry.model;

import ai.djl.ndarray.NDArray;

/**
 * Class-conditional batch norm: normalise without affine, then scale by (1 + gain[y]) and shift
 * by bias[y] from two class embeddings. The "1 +" keeps the start at identity even though
 * spectral norm rescales the gain table.
 */
public final class ConditionalBatchNorm {
    private final BatchNormLayer norm;
    private final EmbeddingLayer gain;
    private final EmbeddingLayer bias;

    public ConditionalBatchNorm(ParameterScope scope, int numClasses, long channels, boolean sn, double momentum) {
        this.norm = new BatchNormLayer(scope.child("bn"), channels, false, momentum);
        this.gain = new EmbeddingLayer(scope.child("gain"), numClasses, channels, sn, Init.normal(0.02));
        this.bias = new EmbeddingLayer(scope.child("bias"), numClasses, channels, sn, Init.normal(0.02));
    }

    public NDArray forward(NDArray x, NDArray labels, Forward f) {
        long c = x.getShape().get(1);
        NDArray normed = norm.forward(x, f);
        NDArray g = gain.forward(labels, f).add(1f).reshape(-1, c, 1, 1);
        NDArray b = bias.forward(labels, f).reshape(-1, c, 1, 1);
        return normed.mul(g).add(b);
    }
}
