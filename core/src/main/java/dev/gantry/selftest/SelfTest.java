package dev.gantry.selftest;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.gantry.model.ChannelsLast;
import dev.gantry.model.Convolutions;
import dev.gantry.model.Forward;
import dev.gantry.model.Init;
import dev.gantry.model.ParameterScope;
import dev.gantry.model.SelfAttention;
import dev.gantry.model.SpectralNorm;
import dev.gantry.model.TensorRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Checks that this machine's engine computes what gantry relies on, each against an
 * independent reference. Training workers run it at start and refuse to train if any fails.
 */
public final class SelfTest {
    private SelfTest() {}

    public static List<Check> run() {
        List<Check> checks = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            checks.add(convInputGradient(manager, 3));
            checks.add(convInputGradient(manager, 24));
            checks.add(spectralNorm(manager));
            checks.add(attentionIdentity(manager));
        }
        return checks;
    }

    public static boolean allPassed(List<Check> checks) {
        return checks.stream().allMatch(Check::passed);
    }

    /**
     * Input gradient of a 3x3 convolution with {@code outChannels} outputs through gantry's
     * guarded path in float32, in both memory orders training uses, against the same computation
     * in float64 (which libtorch runs through a different, non-oneDNN kernel). Also reports the
     * error of the unguarded default-order kernel, the one with the bug.
     */
    static Check convInputGradient(NDManager manager, int outChannels) {
        SplittableRandom random = new SplittableRandom(1234 + outChannels);
        Shape xs = new Shape(4, 32, 16, 16);
        Shape ws = new Shape(outChannels, 32, 3, 3);
        float[] x = Init.normal(1).values(xs, random);
        float[] w = Init.normal(0.1).values(ws, random);
        float[] r = Init.normal(1).values(new Shape(4, outChannels, 16, 16), random);
        double[] reference = inputGradient(manager, x, w, r, xs, ws, DataType.FLOAT64, true, false);
        // Both orders training uses: the default one (wide networks) and channels-last (narrow ones,
        // where this machine computes the shape right).
        double defaultOrder = relativeError(inputGradient(manager, x, w, r, xs, ws, DataType.FLOAT32, true, false),
                reference);
        boolean channelsLast = channelsLast(manager, xs, ws);
        double channelsLastError = channelsLast
                ? relativeError(inputGradient(manager, x, w, r, xs, ws, DataType.FLOAT32, true, true), reference)
                : 0;
        double[] raw = inputGradient(manager, x, w, r, xs, ws, DataType.FLOAT32, false, false);
        String name = "conv3x3 input grad, " + outChannels + " out ch";
        return new Check(name, Math.max(defaultOrder, channelsLastError), 1e-4,
                String.format("float32 vs float64: default order %.3e, channels-last %s; default order without the"
                        + " padding guard: %.3e%s", defaultOrder, channelsLast
                        ? String.format("%.3e", channelsLastError) : "not used on this machine",
                        relativeError(raw, reference), Convolutions.needsPadding(ws) ? "" : " (guard not needed)"));
    }

    private static boolean channelsLast(NDManager manager, Shape xs, Shape ws) {
        try (NDManager m = manager.newSubManager()) {
            return ChannelsLast.forConvolution(m.zeros(xs), m.zeros(ws), 1);
        }
    }

    /** @param channelsLast in channels-last order ({@link ChannelsLast}), else the default order */
    private static double[] inputGradient(NDManager parent, float[] x, float[] w, float[] r, Shape xs, Shape ws,
            DataType type, boolean guard, boolean channelsLast) {
        try (NDManager m = parent.newSubManager()) {
            NDArray input = m.create(x, xs).toType(type, true);
            NDArray weight = m.create(w, ws).toType(type, true);
            NDArray upstream = m.create(r, new Shape(xs.get(0), ws.get(0), xs.get(2), xs.get(3))).toType(type, true);
            input.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = channelsLast
                        ? Convolutions.conv2d(ChannelsLast.of(input), ChannelsLast.of(weight), null, 1, guard)
                        : Convolutions.conv2d(input, weight, null, 1, guard);
                collector.backward(out.mul(upstream).sum());
            }
            return input.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    /**
     * Spectral norm's sigma after enough power iterations, against the largest singular value
     * from EJML's exact SVD in double precision; and the normalised weight's spectral norm.
     */
    static Check spectralNorm(NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            TensorRegistry registry = new TensorRegistry();
            ParameterScope scope = new ParameterScope("sn", registry, m, 99, DataType.FLOAT32);
            Shape shape = new Shape(48, 16, 3, 3);
            NDArray weight = scope.parameter("weight", shape, Init.normal(0.05));
            SpectralNorm sn = new SpectralNorm(scope, shape);
            NDArray normalized = null;
            for (int i = 0; i < 200; i++) {
                normalized = sn.apply(weight, true);
            }
            double sigma = sn.sigma(weight).toType(DataType.FLOAT64, false).getDouble();
            double exact = largestSingularValue(weight.toType(DataType.FLOAT64, false).toDoubleArray(), 48, 16 * 9);
            double normalizedSigma = largestSingularValue(normalized.toType(DataType.FLOAT64, false).toDoubleArray(),
                    48, 16 * 9);
            double error = Math.max(Math.abs(sigma - exact) / exact, Math.abs(normalizedSigma - 1.0));
            return new Check("spectral norm sigma vs exact SVD", error, 1e-5,
                    String.format("sigma %.8f, SVD %.8f, ||W/sigma||_2 = %.8f", sigma, exact, normalizedSigma));
        }
    }

    public static double largestSingularValue(double[] rowMajor, int rows, int cols) {
        DMatrixRMaj matrix = new DMatrixRMaj(rows, cols, true, rowMajor);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, cols, false, false, true);
        if (!svd.decompose(matrix)) {
            throw new IllegalStateException("SVD did not converge");
        }
        double max = 0;
        for (double s : svd.getSingularValues()) {
            max = Math.max(max, s);
        }
        return max;
    }

    /** With gamma = 0 (its initial value) self-attention must return its input exactly. */
    static Check attentionIdentity(NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            ParameterScope scope = new ParameterScope("attn", new TensorRegistry(), m, 5, DataType.FLOAT32);
            SelfAttention attention = new SelfAttention(scope, 32, true);
            NDArray x = m.create(Init.normal(1).values(new Shape(2, 32, 8, 8), new SplittableRandom(3)),
                    new Shape(2, 32, 8, 8));
            NDArray y = attention.forward(x, Forward.TRAIN);
            double error = y.sub(x).abs().max().toType(DataType.FLOAT64, false).getDouble();
            return new Check("self-attention, gamma=0, is identity", error, 0.0, "max |y - x|");
        }
    }

    /** ||actual - reference|| / ||reference||, infinite when not a number: every float64 comparison of the self-tests. */
    public static double relativeError(double[] actual, double[] reference) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = actual[i] - reference[i];
            diff += d * d;
            norm += reference[i] * reference[i];
        }
        double e = Math.sqrt(diff / Math.max(norm, 1e-300));
        return Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
    }
}
