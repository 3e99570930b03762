package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Spectral normalisation (Miyato et al. 2018) of one weight, as PyTorch's
 * {@code torch.nn.utils.spectral_norm} does it: the weight is viewed as a matrix
 * (out, everything else); u and v are persistent buffers; each training forward runs one power
 * iteration without gradient, then divides the weight by sigma = u^T W v, with the gradient
 * flowing through W only. Evaluation forwards reuse the stored u and v.
 */
public final class SpectralNorm {
    private static final float EPS = 1e-12f;
    private final NDArray u;
    private final NDArray v;
    private final long rows;

    public SpectralNorm(ParameterScope scope, Shape weightShape) {
        rows = weightShape.get(0);
        long cols = weightShape.size() / rows;
        u = scope.buffer("sn_u", new Shape(rows), Init.unitVector());
        v = scope.buffer("sn_v", new Shape(cols), Init.unitVector());
    }

    public NDArray apply(NDArray weight, boolean training) {
        NDArray matrix = weight.reshape(rows, -1);
        if (training) {
            try (NoGrad ignored = new NoGrad()) {
                NDArray w = matrix.stopGradient();
                NDArray newV = normalize(w.transpose().matMul(u));
                NDArray newU = normalize(w.matMul(newV));
                // Replace the buffers' contents in place: their references stay registered as state.
                v.intern(newV);
                u.intern(newU);
            }
        }
        NDArray sigma = u.dot(matrix.matMul(v));
        return weight.div(sigma);
    }

    /** The current estimate of the largest singular value (after the last power iteration). */
    public NDArray sigma(NDArray weight) {
        try (NoGrad ignored = new NoGrad()) {
            return u.dot(weight.reshape(rows, -1).matMul(v));
        }
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.norm().maximum(EPS));
    }
}
