package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.gantry.selftest.SelfTest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpectralNormTest {
    @ParameterizedTest(name = "weight {0}x{1}x{2}x{2}")
    @CsvSource({"64,32,3", "10,128,1", "3,256,3", "1,300,1"})
    void sigmaConvergesToLargestSingularValueFromExactSvd(int out, int in, int k) {
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterScope scope = new ParameterScope("w", new TensorRegistry(), m, out * 31L + in, DataType.FLOAT32);
            Shape shape = k == 1 && out * in < 400 ? new Shape(out, in) : new Shape(out, in, k, k);
            NDArray weight = scope.parameter("weight", shape, Init.normal(0.1));
            SpectralNorm sn = new SpectralNorm(scope, shape);
            NDArray normalized = null;
            for (int i = 0; i < 300; i++) {
                normalized = sn.apply(weight, true);
            }
            int cols = (int) (shape.size() / out);
            double exact = SelfTest.largestSingularValue(toDouble(weight), out, cols);
            double sigma = sn.sigma(weight).toType(DataType.FLOAT64, false).getDouble();
            assertEquals(exact, sigma, 1e-5 * exact, "sigma vs SVD");
            assertEquals(1.0, SelfTest.largestSingularValue(toDouble(normalized), out, cols), 1e-5);
        }
    }

    @Test
    void evaluationForwardReusesStoredVectorsAndTrainingForwardUpdatesThem() {
        try (NDManager m = NDManager.newBaseManager()) {
            TensorRegistry registry = new TensorRegistry();
            ParameterScope scope = new ParameterScope("w", registry, m, 3, DataType.FLOAT32);
            Shape shape = new Shape(16, 8, 3, 3);
            NDArray weight = scope.parameter("weight", shape, Init.normal(0.1));
            SpectralNorm sn = new SpectralNorm(scope, shape);
            float[] u0 = registry.all().get("w.sn_u").array().toFloatArray();
            NDArray evalA = sn.apply(weight, false);
            NDArray evalB = sn.apply(weight, false);
            assertArrayEquals(u0, registry.all().get("w.sn_u").array().toFloatArray());
            assertArrayEquals(evalA.toFloatArray(), evalB.toFloatArray());
            sn.apply(weight, true);
            assertFalse(Arrays.equals(u0, registry.all().get("w.sn_u").array().toFloatArray()), "u must move");
        }
    }

    /**
     * The one-call version against the operations gantry issued through DJL before it: the same
     * normalized weight, u, v and weight gradient, bit for bit, over several training forwards
     * (two before each backward, as in D's step) and an evaluation forward, in both precisions.
     */
    @ParameterizedTest(name = "{0}, channels-last {1}")
    @CsvSource({"FLOAT32,false", "FLOAT64,false", "FLOAT32,true"})
    void matchesTheOperationByOperationVersionBitForBit(DataType type, boolean channelsLast) {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(24, 16, 3, 3);
            TensorRegistry registry = new TensorRegistry();
            ParameterScope scope = new ParameterScope("w", registry, m, 17, type);
            NDArray weight = scope.parameter("weight", shape, Init.normal(0.1));
            SpectralNorm sn = new SpectralNorm(scope, shape);
            NDArray refWeight = weight.duplicate();
            refWeight.setRequiresGradient(true);
            NDArray refU = registry.all().get("w.sn_u").array().duplicate();
            NDArray refV = registry.all().get("w.sn_v").array().duplicate();
            NDArray probe = m.randomNormal(shape).toType(type, false);
            for (int step = 0; step < 3; step++) {
                dev.gantry.training.Trainer.zeroGradients(java.util.List.of(new ModelTensor("w", weight, true),
                        new ModelTensor("r", refWeight, true)));
                try (ai.djl.training.GradientCollector gc = m.getEngine().newGradientCollector()) {
                    NDArray first = sn.apply(weight, true, channelsLast);
                    NDArray second = sn.apply(weight, true, channelsLast);
                    NDArray[] uv = {refU, refV};
                    NDArray refFirst = referenceApply(refWeight, uv, channelsLast);
                    NDArray refSecond = referenceApply(refWeight, uv, channelsLast);
                    refU = uv[0];
                    refV = uv[1];
                    assertArrayEquals(toDouble(refFirst), toDouble(first), 0, "first forward, step " + step);
                    if (channelsLast) {
                        assertArrayEquals(ChannelsLastTest.channelsLastStrides(shape), ChannelsLastTest.strides(first));
                    }
                    assertArrayEquals(toDouble(refSecond), toDouble(second), 0, "second forward, step " + step);
                    gc.backward(first.mul(probe).sum().add(second.mul(probe).square().sum())
                            .add(refFirst.mul(probe).sum()).add(refSecond.mul(probe).square().sum()));
                }
                assertArrayEquals(toDouble(refWeight.getGradient()), toDouble(weight.getGradient()), 0,
                        "weight gradient, step " + step);
                assertArrayEquals(toDouble(refU), toDouble(registry.all().get("w.sn_u").array()), 0);
                assertArrayEquals(toDouble(refV), toDouble(registry.all().get("w.sn_v").array()), 0);
            }
            // A training forward with autograd off (the D step's G forward) and one whose weight takes
            // no gradient (D's weights during the G step): the same power iteration and result.
            for (boolean requiresGradient : new boolean[] {true, false}) {
                weight.setRequiresGradient(requiresGradient);
                refWeight.setRequiresGradient(requiresGradient);
                NDArray[] uv = {refU, refV};
                NDArray fused;
                NDArray reference;
                try (NoGrad ignored = requiresGradient ? new NoGrad() : null) {
                    fused = sn.apply(weight, true, channelsLast);
                    reference = referenceApply(refWeight, uv, channelsLast);
                }
                refU = uv[0];
                refV = uv[1];
                assertArrayEquals(toDouble(reference), toDouble(fused), 0, "requires gradient " + requiresGradient);
                assertArrayEquals(toDouble(refU), toDouble(registry.all().get("w.sn_u").array()), 0);
                assertFalse(fused.hasGradient(), "nothing recorded");
            }
            NDArray refEval = refWeight.div(refU.dot(refWeight.reshape(24, -1).matMul(refV)));
            assertArrayEquals(toDouble(refEval), toDouble(sn.apply(weight, false, channelsLast)), 0, "evaluation");
        }
    }

    /**
     * gantry's spectral norm before the TorchScript version, followed by the separate channels-last
     * copy if asked; uv holds u and v and receives the new ones.
     */
    private static NDArray referenceApply(NDArray weight, NDArray[] uv, boolean channelsLast) {
        NDArray matrix = weight.reshape(weight.getShape().get(0), -1);
        try (NoGrad ignored = new NoGrad()) {
            NDArray w = matrix.stopGradient();
            uv[1] = referenceNormalize(w.transpose().matMul(uv[0]));
            uv[0] = referenceNormalize(w.matMul(uv[1]));
        }
        NDArray normalized = weight.div(uv[0].dot(matrix.matMul(uv[1])));
        return channelsLast ? ChannelsLast.of(normalized) : normalized;
    }

    private static NDArray referenceNormalize(NDArray x) {
        return x.div(x.norm().maximum(1e-12f));
    }

    private static double[] toDouble(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
