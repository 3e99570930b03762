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

    private static double[] toDouble(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
