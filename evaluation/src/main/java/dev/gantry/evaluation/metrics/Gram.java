package dev.gantry.evaluation.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Inner products X Y^T in float64 through libtorch's BLAS: the one heavy operation of KID and the
 * nearest-neighbour metrics (a 1000 x 1000 product of 2048-d features is 2 GFLOP).
 */
final class Gram {
    private Gram() {}

    /** x.n x y.n, row-major. */
    static double[] product(Features x, Features y) {
        if (x.d() != y.d()) {
            throw new IllegalArgumentException("features of " + x.d() + " and " + y.d() + " dimensions");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(x.values(), new Shape(x.n(), x.d()));
            NDArray b = manager.create(y.values(), new Shape(y.n(), y.d()));
            NDArray product = a.matMul(b.transpose());
            if (product.getDataType() != DataType.FLOAT64) {
                throw new IllegalStateException("expected a float64 product, got " + product.getDataType());
            }
            return product.toDoubleArray();
        }
    }
}
