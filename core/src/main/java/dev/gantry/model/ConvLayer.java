package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** A same-padded, stride-1 convolution with optional spectral norm and bias. */
public final class ConvLayer {
    private final NDArray weight;
    private final NDArray bias;
    private final SpectralNorm spectralNorm;
    private final int padding;
    private final boolean prefersChannelsLast;

    public ConvLayer(ParameterScope scope, long in, long out, int kernel, boolean bias, boolean sn) {
        Shape shape = new Shape(out, in, kernel, kernel);
        this.weight = scope.parameter("weight", shape, Init.xavierUniform());
        this.bias = bias ? scope.parameter("bias", new Shape(out), Init.constant(0f)) : null;
        this.spectralNorm = sn ? new SpectralNorm(scope, shape) : null;
        this.padding = kernel / 2;
        this.prefersChannelsLast = scope.channelsLast();
    }

    public NDArray forward(NDArray x, Forward f) {
        boolean channelsLast = prefersChannelsLast && ChannelsLast.forConvolution(x, weight, padding);
        NDArray w;
        if (spectralNorm != null) {
            w = spectralNorm.apply(weight, f.training(), channelsLast);
        } else {
            w = channelsLast ? ChannelsLast.of(weight) : weight;
        }
        // A shape this machine computes wrong channels-last: a channels-last input would make
        // libtorch run it channels-last anyway.
        NDArray input = prefersChannelsLast && !channelsLast ? ChannelsLast.defaultOrder(x) : x;
        return Convolutions.conv2d(input, w, bias, padding, true);
    }

    public NDArray weight() {
        return weight;
    }

    public SpectralNorm spectralNorm() {
        return spectralNorm;
    }
}
