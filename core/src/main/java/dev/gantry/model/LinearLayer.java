package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/** y = x W^T + b with optional spectral norm on W. */
public final class LinearLayer {
    private final NDArray weight;
    private final NDArray bias;
    private final SpectralNorm spectralNorm;

    public LinearLayer(ParameterScope scope, long in, long out, boolean sn) {
        Shape shape = new Shape(out, in);
        this.weight = scope.parameter("weight", shape, Init.xavierUniform());
        this.bias = scope.parameter("bias", new Shape(out), Init.constant(0f));
        this.spectralNorm = sn ? new SpectralNorm(scope, shape) : null;
    }

    public NDArray forward(NDArray x, Forward f) {
        NDArray w = spectralNorm == null ? weight : spectralNorm.apply(weight, f.training());
        return Linear.linear(x, w, bias).singletonOrThrow();
    }
}
