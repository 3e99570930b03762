package dev.gantry.evaluation.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import dev.gantry.model.ConvLayer;
import dev.gantry.model.Forward;
import dev.gantry.model.LinearLayer;
import dev.gantry.model.ParameterScope;

/**
 * A small CNN classifier for 1x32x32 images: three conv stages (32, 64, 128 channels; 3x3 conv,
 * ReLU, 2x2 max-pool) down to 128x4x4, a 128-d ReLU feature layer on the flattened maps, and a
 * linear classifier. The feature layer is what FID reads.
 */
final class FashionCnn {
    static final int FEATURES = 128;
    private final ConvLayer conv1;
    private final ConvLayer conv2;
    private final ConvLayer conv3;
    private final LinearLayer features;
    private final LinearLayer classifier;

    FashionCnn(ParameterScope scope, int classes) {
        conv1 = new ConvLayer(scope.child("conv1"), 1, 32, 3, true, false);
        conv2 = new ConvLayer(scope.child("conv2"), 32, 64, 3, true, false);
        conv3 = new ConvLayer(scope.child("conv3"), 64, 128, 3, true, false);
        features = new LinearLayer(scope.child("features"), 128 * 4 * 4, FEATURES, false);
        classifier = new LinearLayer(scope.child("classifier"), FEATURES, classes, false);
    }

    /** (batch, 128) features of (batch, 1, 32, 32) images in [-1, 1]. */
    NDArray features(NDArray x) {
        NDArray h = pool(Activation.relu(conv1.forward(x, Forward.EVAL)));
        h = pool(Activation.relu(conv2.forward(h, Forward.EVAL)));
        h = pool(Activation.relu(conv3.forward(h, Forward.EVAL)));
        h = h.reshape(h.getShape().get(0), -1);
        return Activation.relu(features.forward(h, Forward.EVAL));
    }

    NDArray logits(NDArray x) {
        return classifier.forward(features(x), Forward.EVAL);
    }

    private static NDArray pool(NDArray x) {
        Shape two = new Shape(2, 2);
        return Pool.maxPool2d(x, two, two, new Shape(0, 0), false);
    }
}
