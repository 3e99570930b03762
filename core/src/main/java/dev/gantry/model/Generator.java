package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.gantry.spec.Architecture;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * z, y -> linear -> 4x4 -> residual up-blocks with class-conditional BN (attention after the
 * blocks whose output size is listed) -> BN, ReLU, conv3x3 -> tanh.
 */
public final class Generator {
    private final ModelConfig config;
    private final long firstWidth;
    private final LinearLayer input;
    private final List<GeneratorBlock> blocks = new ArrayList<>();
    private final List<FeatureBlock> attention = new ArrayList<>();
    private final BatchNormLayer outputNorm;
    private final ConvLayer outputConv;
    private final boolean channelsLast;

    public Generator(ParameterScope networkScope, ModelConfig config) {
        this.config = config;
        NetworkConfig net = config.generator();
        Architecture arch = Architecture.forImageSize(config.imageSize());
        int[] widths = arch.generatorWidths();
        ParameterScope scope = networkScope.withChannelsLast(ChannelsLast.suitsNetwork(widths, net.channels()));
        channelsLast = scope.channelsLast();
        boolean sn = net.spectralNorm();
        firstWidth = (long) widths[0] * net.channels();
        input = new LinearLayer(scope.child("input"), config.zDim(), firstWidth * 16, sn);
        for (int i = 0; i < arch.generatorBlocks(); i++) {
            long in = (long) widths[i] * net.channels();
            long out = (long) widths[i + 1] * net.channels();
            blocks.add(new GeneratorBlock(scope.child("blocks." + i), in, out, config.numClasses(), sn,
                    config.bnMomentum()));
            int resolution = arch.generatorResolution(i);
            attention.add(net.attention().contains(resolution)
                    ? FeatureBlock.create(config.attentionKind(), scope.child("attention" + resolution), out, sn)
                    : null);
        }
        long last = (long) widths[widths.length - 1] * net.channels();
        outputNorm = new BatchNormLayer(scope.child("output_bn"), last, true, config.bnMomentum());
        outputConv = new ConvLayer(scope.child("output_conv"), last, config.imageChannels(), 3, true, sn);
    }

    /**
     * @param z (batch, zDim) float32
     * @param labels (batch) int64
     * @return images (batch, channels, size, size) in [-1, 1]
     */
    public NDArray forward(NDArray z, NDArray labels, Forward f) {
        NDArray h = input.forward(z, f).reshape(-1, firstWidth, 4, 4);
        for (int i = 0; i < blocks.size(); i++) {
            h = blocks.get(i).forward(h, labels, f);
            if (attention.get(i) != null) {
                h = attention.get(i).forward(h, f);
            }
        }
        h = Activation.relu(outputNorm.forward(h, f));
        return outputConv.forward(h, f).tanh();
    }

    /** Whether this network's convolutions prefer the channels-last order ({@link ChannelsLast#suitsNetwork}). */
    public boolean channelsLast() {
        return channelsLast;
    }

    public ModelConfig config() {
        return config;
    }
}
