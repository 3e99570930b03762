package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Residual down-block. The first block of D is the "optimized" one (no ReLU before its first
 * conv, since its input is the image; shortcut pools before the 1x1 conv); later blocks are
 * pre-activation: ReLU, conv3x3, ReLU, conv3x3, [avg-pool]; shortcut, when the shape changes,
 * [avg-pool] then conv1x1: published as conv1x1 then [avg-pool], but a 1x1 convolution (bias
 * included) commutes with 2x2 average pooling, so it is the same function, with the convolution
 * on a quarter of the pixels and no full-size output kept for the pooling's backward (values
 * differ only in rounding).
 */
final class DiscriminatorBlock {
    private final boolean first;
    private final boolean downsample;
    private final ConvLayer conv1;
    private final ConvLayer conv2;
    private final ConvLayer shortcut;

    DiscriminatorBlock(ParameterScope scope, long in, long out, boolean first, boolean downsample, boolean sn) {
        this.first = first;
        this.downsample = downsample;
        conv1 = new ConvLayer(scope.child("conv1"), in, out, 3, true, sn);
        conv2 = new ConvLayer(scope.child("conv2"), out, out, 3, true, sn);
        shortcut = first || downsample || in != out ? new ConvLayer(scope.child("shortcut"), in, out, 1, true, sn) : null;
    }

    NDArray forward(NDArray x, Forward f) {
        return Scopes.keepOnlyResult(() -> compute(x, f));
    }

    private NDArray compute(NDArray x, Forward f) {
        NDArray h = conv1.forward(first ? x : Activation.relu(x), f);
        h = conv2.forward(Activation.relu(h), f);
        if (downsample) {
            h = Resampling.avgPool2x(h);
        }
        NDArray skip = shortcut == null ? x : shortcut.forward(downsample ? Resampling.avgPool2x(x) : x, f);
        return h.add(skip);
    }
}
