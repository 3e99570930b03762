package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * SAGAN's self-attention block (Zhang et al. 2018, section 3). With N = H*W positions:
 * f(x), g(x) are 1x1 convs to C/8 channels, h(x) to C/2; s_ij = f(x_i)^T g(x_j);
 * beta_ji = softmax_i(s_ij) is how much position j attends to position i; o_j = v(sum_i beta_ji h(x_i));
 * y = gamma * o + x with gamma a learnable scalar starting at 0. The convs carry no bias, as in
 * the authors' code.
 */
public final class SelfAttention implements FeatureBlock {
    private final String name;
    private final ConvLayer f;
    private final ConvLayer g;
    private final ConvLayer h;
    private final ConvLayer v;
    private final NDArray gamma;
    private final boolean channelsLast;

    public SelfAttention(ParameterScope scope, long channels, boolean sn) {
        long keyChannels = Math.max(1, channels / 8);
        long valueChannels = Math.max(1, channels / 2);
        this.name = scope.name();
        this.f = new ConvLayer(scope.child("f"), channels, keyChannels, 1, false, sn);
        this.g = new ConvLayer(scope.child("g"), channels, keyChannels, 1, false, sn);
        this.h = new ConvLayer(scope.child("h"), channels, valueChannels, 1, false, sn);
        this.v = new ConvLayer(scope.child("v"), valueChannels, channels, 1, false, sn);
        this.gamma = scope.parameter("gamma", new Shape(1), Init.constant(0f));
        this.channelsLast = scope.channelsLast();
    }

    @Override
    public NDArray forward(NDArray x, Forward fw) {
        if (fw.attentionMaps() != null) {
            return compute(x, fw); // the recorded maps must outlive the block
        }
        return Scopes.keepOnlyResult(() -> compute(x, fw));
    }

    private NDArray compute(NDArray x, Forward fw) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long height = s.get(2);
        long width = s.get(3);
        long n = height * width;
        NDArray fx = f.forward(x, fw).reshape(batch, -1, n); // (B, C/8, N): index i
        NDArray gx = g.forward(x, fw).reshape(batch, -1, n); // (B, C/8, N): index j
        NDArray hx = h.forward(x, fw).reshape(batch, -1, n); // (B, C/2, N)
        // attention[b, j, i] = softmax over i of g(x_j)^T f(x_i)
        NDArray attention = gx.transpose(0, 2, 1).matMul(fx).softmax(2);
        if (fw.attentionMaps() != null) {
            fw.attentionMaps().record(name, (int) height, (int) width, attention);
        }
        // o[b, :, j] = sum_i h[b, :, i] * attention[b, j, i], computed as (attention h^T)^T: written
        // as h attention^T, backward hands softmax a transposed (B, N, N) gradient, and libtorch's
        // softmax backward makes it contiguous, a strided copy of the largest array in the network
        // (at 32x32 and batch 64, 256 MB, most of the block's time); h^T is (B, N, C/2), small.
        // The transposed view has channels-last strides: what v takes as it is where its network
        // runs channels-last; anywhere else (a default-order network, a GPU, float64) everything
        // downstream of it would run channels-last too.
        NDArray o = attention.matMul(hx.transpose(0, 2, 1)).transpose(0, 2, 1).reshape(batch, -1, height, width);
        NDArray values = channelsLast && ChannelsLast.applies(o) ? o : ChannelsLast.contiguous(o);
        return v.forward(values, fw).mul(gamma).add(x);
    }

    public NDArray gamma() {
        return gamma;
    }
}
