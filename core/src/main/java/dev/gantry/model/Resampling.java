package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/** 2x nearest-neighbour upsampling and 2x2 average pooling. */
final class Resampling {
    /** DJL's interpolation modes are numbered; 0 is nearest neighbour. */
    private static final int NEAREST = 0;

    private Resampling() {}

    /**
     * libtorch's upsample_nearest2d. Written as a broadcast and a reshape instead, the backward pass
     * sums the gradient over the broadcast axes with a generic strided reduction, which cost the
     * small bench configuration about 10 ms per iteration (perf: cascade_sum, multi_row_sum).
     */
    static NDArray upsample2x(NDArray x) {
        Shape s = x.getShape();
        return x.getNDArrayInternal().interpolation(new long[] {2 * s.get(2), 2 * s.get(3)}, NEAREST, false);
    }

    static NDArray avgPool2x(NDArray x) {
        Shape two = new Shape(2, 2);
        return Pool.avgPool2d(x, two, two, new Shape(0, 0), false, true);
    }
}
