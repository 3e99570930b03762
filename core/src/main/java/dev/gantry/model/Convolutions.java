package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * Stride-1 2-D convolution with the workaround for a silent libtorch 2.7.1 / oneDNN 3.7.1 bug:
 * on AVX-512 CPUs the input gradient of a k>1 convolution whose output-channel count is not a
 * multiple of 16 comes out wrong (14-60% error, sometimes NaN). Such weights are padded with zero
 * output channels up to a multiple of 16 and the extra outputs sliced off, which gives the right
 * input gradient and, since the extra channels are zero, the same forward values.
 * {@code gantry selftest} checks this against float64 on every worker start.
 */
public final class Convolutions {
    static final int CHANNEL_MULTIPLE = 16;

    private Convolutions() {}

    public static boolean needsPadding(Shape weightShape) {
        return weightShape.get(2) > 1 && weightShape.get(0) % CHANNEL_MULTIPLE != 0;
    }

    /**
     * @param bias may be null
     * @param guard false only in the self-test, to show what the unpatched kernel computes
     */
    public static NDArray conv2d(NDArray input, NDArray weight, NDArray bias, int padding, boolean guard) {
        Shape stride = new Shape(1, 1);
        Shape pad = new Shape(padding, padding);
        Shape dilation = new Shape(1, 1);
        if (!guard || !needsPadding(weight.getShape())) {
            return Conv2d.conv2d(input, weight, bias, stride, pad, dilation).singletonOrThrow();
        }
        Shape ws = weight.getShape();
        long out = ws.get(0);
        long padded = (out + CHANNEL_MULTIPLE - 1) / CHANNEL_MULTIPLE * CHANNEL_MULTIPLE;
        NDArray zeros = weight.getManager().zeros(new Shape(padded - out, ws.get(1), ws.get(2), ws.get(3)),
                weight.getDataType());
        NDArray paddedWeight = NDArrays.concat(new ai.djl.ndarray.NDList(weight, zeros), 0);
        NDArray result = Conv2d.conv2d(input, paddedWeight, null, stride, pad, dilation).singletonOrThrow()
                .get(new NDIndex(":, 0:" + out));
        return bias == null ? result : result.add(bias.reshape(1, out, 1, 1));
    }
}
