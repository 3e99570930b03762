package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.gantry.spec.Architecture;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Projection discriminator (Miyato and Koyama 2018): residual down-blocks (attention after the
 * first block of each listed size), ReLU, global sum pooling to phi(x), then
 * D(x, y) = w^T phi(x) + b + embed(y)^T phi(x).
 */
public final class Discriminator {
    private final List<DiscriminatorBlock> blocks = new ArrayList<>();
    private final List<FeatureBlock> attention = new ArrayList<>();
    private final LinearLayer output;
    private final EmbeddingLayer projection;
    private final boolean channelsLast;

    public Discriminator(ParameterScope networkScope, ModelConfig config) {
        NetworkConfig net = config.discriminator();
        Architecture arch = Architecture.forImageSize(config.imageSize());
        int[] widths = arch.discriminatorWidths();
        ParameterScope scope = networkScope.withChannelsLast(ChannelsLast.suitsNetwork(widths, net.channels()));
        channelsLast = scope.channelsLast();
        boolean sn = net.spectralNorm();
        List<Integer> placed = new ArrayList<>();
        long in = config.imageChannels();
        for (int i = 0; i < arch.discriminatorBlocks(); i++) {
            long out = (long) widths[i] * net.channels();
            blocks.add(new DiscriminatorBlock(scope.child("blocks." + i), in, out, i == 0,
                    arch.discriminatorDown()[i], sn));
            int resolution = arch.discriminatorResolution(i);
            boolean here = net.attention().contains(resolution) && !placed.contains(resolution);
            attention.add(here
                    ? FeatureBlock.create(config.attentionKind(), scope.child("attention" + resolution), out, sn)
                    : null);
            if (here) {
                placed.add(resolution);
            }
            in = out;
        }
        output = new LinearLayer(scope.child("output"), in, 1, sn);
        projection = new EmbeddingLayer(scope.child("projection"), config.numClasses(), in, sn, Init.xavierUniform());
    }

    /** Whether this network's convolutions prefer the channels-last order ({@link ChannelsLast#suitsNetwork}). */
    public boolean channelsLast() {
        return channelsLast;
    }

    /** @return one logit per image, shape (batch) */
    public NDArray forward(NDArray images, NDArray labels, Forward f) {
        NDArray phi = features(images, f);
        NDArray unconditional = output.forward(phi, f).reshape(-1);
        NDArray conditional = projection.forward(labels, f).mul(phi).sum(new int[] {1});
        return unconditional.add(conditional);
    }

    /** phi(x): the globally sum-pooled ReLU features the projection head reads, shape (batch, C). */
    public NDArray features(NDArray images, Forward f) {
        // A channels-last G's images, which would make this D's first convolution channels-last.
        NDArray h = channelsLast ? images : ChannelsLast.defaultOrder(images);
        for (int i = 0; i < blocks.size(); i++) {
            h = blocks.get(i).forward(h, f);
            if (attention.get(i) != null) {
                h = attention.get(i).forward(h, f);
            }
        }
        return Activation.relu(h).sum(new int[] {2, 3});
    }
}
