package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.training.GradientCollector;
import dev.gantry.runtime.TorchScriptArchive;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChannelsLastTest {
    /** libtorch's strides of an array, which DJL does not expose. */
    static long[] strides(NDArray array) {
        String source = """
                  def forward(self: __torch__.StridesProbe,
                    x: Tensor) -> Tensor:
                    return torch.tensor(torch.stride(x))
                """;
        return IValueUtils.forward(TorchScriptArchive.shared("StridesProbe", source), new NDList(array), true)
                .singletonOrThrow().toLongArray();
    }

    static long[] channelsLastStrides(Shape s) {
        long c = s.get(1), h = s.get(2), w = s.get(3);
        return new long[] {c * h * w, 1, w * c, c};
    }

    @ParameterizedTest(name = "weight {0}x{1}x{2}x{2}")
    @CsvSource({"6,8,3", "6,8,1"})
    void copyKeepsShapeAndValuesInChannelsLastOrder(int out, int in, int k) {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(out, in, k, k);
            NDArray weight = m.randomNormal(shape);
            NDArray copy = ChannelsLast.of(weight);
            assertArrayEquals(new long[] {in * k * k, k * k, k, 1}, strides(weight), "default order before");
            // A 1x1 kernel's weight is contiguous in both orders; it must still get channels-last strides.
            assertArrayEquals(channelsLastStrides(shape), strides(copy));
            assertArrayEquals(shape.getShape(), copy.getShape().getShape());
            assertArrayEquals(weight.toFloatArray(), copy.toFloatArray(), 0f, "values in logical order");
        }
    }

    /**
     * A convolution with a channels-last weight gives its output in that order whatever its input's
     * (so the next one needs no conversion), with the values and gradients of the default order up
     * to rounding: oneDNN runs other kernels, which sum in another order.
     */
    @ParameterizedTest(name = "kernel {0}")
    @CsvSource({"3", "1"})
    void convolutionFollowsTheWeightsOrderAndComputesTheSame(int k) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray input = m.randomNormal(new Shape(4, 32, 6, 6));
            NDArray weight = m.randomNormal(0, 0.1f, new Shape(16, 32, k, k), DataType.FLOAT32);
            NDArray upstream = m.randomNormal(new Shape(4, 16, 6, 6));
            input.setRequiresGradient(true);
            weight.setRequiresGradient(true);
            float[][] results = new float[2][];
            float[][] weightGradients = new float[2][];
            float[][] inputGradients = new float[2][];
            for (int order = 0; order < 2; order++) {
                dev.gantry.training.Trainer.zeroGradients(java.util.List.of(new ModelTensor("x", input, true),
                        new ModelTensor("w", weight, true)));
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    NDArray w = order == 1 ? ChannelsLast.of(weight) : weight;
                    NDArray out = Convolutions.conv2d(input, w, null, k / 2, true);
                    if (order == 1) {
                        assertArrayEquals(channelsLastStrides(out.getShape()), strides(out), "output order");
                    }
                    results[order] = out.toFloatArray();
                    gc.backward(out.mul(upstream).sum());
                }
                weightGradients[order] = weight.getGradient().toFloatArray();
                inputGradients[order] = input.getGradient().toFloatArray();
            }
            assertClose(results[0], results[1], "output");
            assertClose(weightGradients[0], weightGradients[1], "weight gradient");
            assertClose(inputGradients[0], inputGradients[1], "input gradient");
        }
    }

    /** An 8 -> 16 channel 3x3 layer with spectral norm, of a network that prefers channels-last. */
    private static ConvLayer preferringChannelsLast(NDManager m, long seed) {
        ParameterScope scope = new ParameterScope("c", new TensorRegistry(), m, seed, DataType.FLOAT32);
        return new ConvLayer(scope.withChannelsLast(true), 8, 16, 3, true, true);
    }

    /**
     * A layer whose shape this machine computes differently in the two orders (forced here) runs in
     * the default order even when its input arrives channels-last, with the same values.
     */
    @Test
    void aShapeThatDisagreesRunsInTheDefaultOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            ConvLayer layer = preferringChannelsLast(m, 5);
            NDArray input = ChannelsLast.of(m.randomNormal(new Shape(2, 8, 7, 7)));
            assertArrayEquals(channelsLastStrides(input.getShape()), strides(input));
            NDArray checked = layer.forward(input, Forward.EVAL);
            assertTrue(ChannelsLast.forConvolution(input, layer.weight(), 1), "agrees on this machine");
            assertArrayEquals(channelsLastStrides(checked.getShape()), strides(checked));
            ChannelsLast.remember(input.getShape(), layer.weight().getShape(), 1, false);
            NDArray fallback = layer.forward(input, Forward.EVAL);
            assertArrayEquals(new long[] {16 * 49, 49, 7, 1}, strides(fallback), "default order");
            assertClose(checked.toFloatArray(), fallback.toFloatArray(), "same values");
            ChannelsLast.remember(input.getShape(), layer.weight().getShape(), 1, true);
        }
    }

    /**
     * Shapes checked ahead: the forwards only report them (running in the default order), each is
     * checked then, and a second call with the same key runs nothing.
     */
    @Test
    void checkAheadChecksTheShapesItsForwardsReportOnce() {
        try (NDManager m = NDManager.newBaseManager()) {
            ConvLayer layer = preferringChannelsLast(m, 6);
            NDArray input = m.randomNormal(new Shape(3, 8, 9, 9));
            assertNull(ChannelsLast.verdict(input.getShape(), layer.weight().getShape(), 1));
            int[] runs = {0};
            Runnable forwards = () -> {
                runs[0]++;
                NDArray out = layer.forward(input, Forward.EVAL);
                assertArrayEquals(new long[] {16 * 81, 81, 9, 1}, strides(out), "default order while collecting");
            };
            ChannelsLast.checkAhead("ChannelsLastTest model", forwards);
            ChannelsLast.checkAhead("ChannelsLastTest model", forwards);
            assertEquals(1, runs[0]);
            assertNotNull(ChannelsLast.verdict(input.getShape(), layer.weight().getShape(), 1));
        }
    }

    /**
     * What training computes for SAGAN's kinds of convolution is right on any CPU: the guard takes
     * channels-last only where the two orders agree, so a CPU whose channels-last kernels are wrong
     * for a shape (as this libtorch's are for Inception on some AMD CPUs) trains it in the default
     * order; output and both gradients then match float64. How far apart the two orders are is the
     * CPU's property: printed, not asserted.
     */
    @ParameterizedTest(name = "{0}x{1}x{2}x{2}, kernel {3}")
    @CsvSource({"16,64,32,3", "16,64,16,1", "4,8,32,3", "3,1,32,3"})
    void whatTrainingComputesMatchesFloat64WhateverThisCpusChannelsLastKernelsDo(int batch, int channels, int size, int k) {
        Shape inputShape = new Shape(batch, channels, size, size);
        Shape weightShape = new Shape(channels == 1 ? 16 : channels, channels, k, k);
        Shape outputShape = new Shape(batch, weightShape.get(0), size, size);
        int padding = k / 2;
        double disagreement = ChannelsLast.disagreement(inputShape, weightShape, padding);
        try (NDManager m = NDManager.newBaseManager();
                GradientCollector gc = m.getEngine().newGradientCollector()) {
            SplittableRandom random = new SplittableRandom(7);
            NDArray x = m.create(Init.normal(1).values(inputShape, random), inputShape);
            NDArray w = m.create(Init.normal(0.1).values(weightShape, random), weightShape);
            NDArray upstream = m.create(Init.normal(1).values(outputShape, random), outputShape);
            boolean channelsLast = ChannelsLast.forConvolution(x, w, padding);
            assertEquals(disagreement <= ChannelsLast.AGREEMENT, channelsLast, "the guard's verdict at " + disagreement);
            NDArray[] used = ChannelsLast.convolve(x, w, upstream, padding, channelsLast);
            NDArray[] exact = ChannelsLast.convolve(x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true),
                    upstream.toType(DataType.FLOAT64, true), padding, false);
            String[] names = {"output", "input gradient", "weight gradient"};
            for (int i = 0; i < used.length; i++) {
                NDArray reference = exact[i];
                double error = used[i].toType(DataType.FLOAT64, true).sub(reference).norm().getDouble()
                        / reference.norm().getDouble();
                assertTrue(error < ChannelsLast.AGREEMENT, names[i] + ": relative error " + error);
            }
            System.out.printf("%s: the two orders differ by %.1e on this CPU; training uses %s%n", inputShape,
                    disagreement, channelsLast ? "channels-last" : "the default order");
        }
    }

    /** Networks up to 64 channels wide prefer channels-last; a wider one's layers keep the default order. */
    @Test
    void onlyNarrowNetworksPreferChannelsLast() {
        assertTrue(ChannelsLast.suitsNetwork(64));
        assertFalse(ChannelsLast.suitsNetwork(128));
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterScope scope = new ParameterScope("w", new TensorRegistry(), m, 7, DataType.FLOAT32);
            ConvLayer layer = new ConvLayer(scope.child("conv"), 8, 16, 3, true, true);
            ConvLayer preferring = new ConvLayer(scope.withChannelsLast(true).child("conv2"), 8, 16, 3, true, true);
            NDArray input = m.randomNormal(new Shape(2, 8, 5, 5));
            assertArrayEquals(new long[] {16 * 25, 25, 5, 1}, strides(layer.forward(input, Forward.EVAL)));
            assertArrayEquals(channelsLastStrides(new Shape(2, 16, 5, 5)), strides(preferring.forward(input, Forward.EVAL)));
        }
    }

    @Test
    void float64AndTwoDimensionalArraysAreLeftAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray doubles = m.randomNormal(new Shape(6, 8, 3, 3)).toType(DataType.FLOAT64, false);
            NDArray matrix = m.randomNormal(new Shape(6, 8));
            assertSame(doubles, ChannelsLast.of(doubles));
            assertSame(matrix, ChannelsLast.of(matrix));
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double[] e = new double[expected.length];
        double[] a = new double[actual.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
            a[i] = actual[i];
        }
        assertArrayEquals(e, a, 1e-5 * scale, what);
    }
}
