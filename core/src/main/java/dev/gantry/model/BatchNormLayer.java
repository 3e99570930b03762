package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Batch norm over NCHW channels with running statistics as buffers. With {@code affine} false it
 * only normalises, for conditional batch norm to apply per-class gains.
 */
public final class BatchNormLayer {
    private static final float EPS = 1e-5f;
    private final NDArray runningMean;
    private final NDArray runningVar;
    private final NDArray gamma;
    private final NDArray beta;
    private final float djlMomentum;

    /** @param momentum PyTorch's convention (0.1 = new statistics weigh 10%) */
    public BatchNormLayer(ParameterScope scope, long channels, boolean affine, double momentum) {
        Shape shape = new Shape(channels);
        // torch.batch_norm through DJL takes no null affine: a non-affine norm gets fixed 1 and 0.
        this.gamma = affine ? scope.parameter("weight", shape, Init.constant(1f)) : scope.constant(1f, shape);
        this.beta = affine ? scope.parameter("bias", shape, Init.constant(0f)) : scope.constant(0f, shape);
        this.runningMean = scope.buffer("running_mean", shape, Init.constant(0f));
        this.runningVar = scope.buffer("running_var", shape, Init.constant(1f));
        // DJL passes (1 - momentum) to torch.batch_norm (MXNet's convention).
        this.djlMomentum = (float) (1.0 - momentum);
    }

    public NDArray forward(NDArray x, Forward f) {
        // axis -1 hands the call straight to torch.batch_norm, which normalises axis 1 (NCHW).
        return x.getNDArrayInternal()
                .batchNorm(x, runningMean, runningVar, gamma, beta, -1, djlMomentum, EPS, f.training())
                .singletonOrThrow();
    }
}
