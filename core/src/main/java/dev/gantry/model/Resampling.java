package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/** 2x nearest-neighbour upsampling and 2x2 average pooling. */
final class Resampling {
    /** DJL's interpolation modes are numbered; 0 is nearest neighbour. */
    private static final int NEAREST = 0;
    /** Output size (elements) up to which libtorch's own upsampling is used; see {@link #upsample2x}. */
    static final long NATIVE_UP_TO = 1L << 21;

    private Resampling() {}

    /**
     * Measured both ways on the bench configurations (2 threads): written as a broadcast and a
     * reshape, the backward pass sums the gradient over the broadcast axes with a generic strided
     * reduction, which cost the small configuration (outputs up to 1M elements) about 10 ms of a
     * 0.21 s iteration; libtorch's upsample_nearest2d avoids it. On the paper configuration's 4M-
     * and 16M-element outputs the native op was the slower one (4.27-4.75 against 4.14-4.31 s per
     * iteration) and raised peak memory by 0.1-0.4 GB, so large outputs keep the broadcast. There
     * it doubles the width, then the height, one broadcast axis each: backward then sums one axis
     * at a time, where the single broadcast over both axes took libtorch's slow strided reduction
     * (about 0.3 s of CPU per 64x64 iteration, against 0.02 s for PyTorch's native op). The
     * half-size intermediate is freed as soon as the output exists.
     */
    static NDArray upsample2x(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        if (4 * x.size() <= NATIVE_UP_TO) {
            return x.getNDArrayInternal().interpolation(new long[] {2 * h, 2 * w}, NEAREST, false);
        }
        return Scopes.keepOnlyResult(() -> {
            NDArray wide = x.reshape(b, c, h, w, 1).broadcast(b, c, h, w, 2).reshape(b, c, h, 1, 2 * w);
            return wide.broadcast(b, c, h, 2, 2 * w).reshape(b, c, 2 * h, 2 * w);
        });
    }

    static NDArray avgPool2x(NDArray x) {
        Shape two = new Shape(2, 2);
        return Pool.avgPool2d(x, two, two, new Shape(0, 0), false, true);
    }
}
