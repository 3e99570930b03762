package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The control for the paper's attention ablation: a residual block x + conv(relu(conv(relu(x))))
 * whose hidden width is chosen so its parameter count is as close as possible to that of a
 * {@link SelfAttention} block at the same position (1.25 C^2 + 1).
 */
public final class ResidualStandIn implements FeatureBlock {
    private final ConvLayer conv1;
    private final ConvLayer conv2;

    public ResidualStandIn(ParameterScope scope, long channels, boolean sn) {
        long hidden = hiddenWidth(channels);
        this.conv1 = new ConvLayer(scope.child("conv1"), channels, hidden, 3, true, sn);
        this.conv2 = new ConvLayer(scope.child("conv2"), hidden, channels, 3, true, sn);
    }

    /** Hidden width k minimising |(18C + 1) k + C - attentionParameters(C)|. */
    public static long hiddenWidth(long channels) {
        double target = attentionParameters(channels) - channels;
        return Math.max(1, Math.round(target / (18.0 * channels + 1)));
    }

    public static long attentionParameters(long channels) {
        long keys = Math.max(1, channels / 8);
        long values = Math.max(1, channels / 2);
        return 2 * channels * keys + 2 * channels * values + 1;
    }

    public static long parameters(long channels) {
        long k = hiddenWidth(channels);
        return 9 * channels * k + k + 9 * k * channels + channels;
    }

    @Override
    public NDArray forward(NDArray x, Forward f) {
        return Scopes.keepOnlyResult(() -> compute(x, f));
    }

    private NDArray compute(NDArray x, Forward f) {
        NDArray y = conv1.forward(Activation.relu(x), f);
        return conv2.forward(Activation.relu(y), f).add(x);
    }
}
