package dev.gantry.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.gantry.spec.AttentionKind;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import dev.gantry.training.HingeLoss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Gradients of a tiny G and D (attention, CBN, SN, 1-channel output conv that needs the oneDNN
 * guard) against float64: the same model in double precision, and central finite differences.
 */
class GradientCheckTest {
    private static final ModelConfig CONFIG = new ModelConfig(32, 1, 3, 8, new NetworkConfig(2, List.of(16), true),
            new NetworkConfig(2, List.of(16), true), AttentionKind.SELF_ATTENTION, 0.1);
    private static final int BATCH = 4;

    @Test
    void float32GradientsMatchTheFloat64TwinForEveryParameter() {
        try (NDManager m = NDManager.newBaseManager();
                Sagan single = new Sagan(CONFIG, 9, m, DataType.FLOAT32);
                Sagan dbl = new Sagan(CONFIG, 9, m, DataType.FLOAT64)) {
            attentionOn(single, m);
            attentionOn(dbl, m);
            Map<String, double[]> g32 = gradients(single, m, DataType.FLOAT32, true);
            Map<String, double[]> g64 = gradients(dbl, m, DataType.FLOAT64, true);
            assertEquals(g64.keySet(), g32.keySet());
            // Conv biases in front of batch norm have a gradient that is exactly zero in exact
            // arithmetic; they are held to an absolute floor of 1e-3 of the typical tensor's gradient.
            double sumSquares = 0;
            for (double[] g : g64.values()) {
                for (double v : g) {
                    sumSquares += v * v;
                }
            }
            double floor = 1e-3 * Math.sqrt(sumSquares / g64.size());
            List<String> bad = new ArrayList<>();
            for (String name : g64.keySet()) {
                double diff = 0, norm = 0;
                for (int i = 0; i < g64.get(name).length; i++) {
                    double d = g32.get(name)[i] - g64.get(name)[i];
                    diff += d * d;
                    norm += g64.get(name)[i] * g64.get(name)[i];
                }
                double relative = Math.sqrt(diff) / Math.max(Math.sqrt(norm), floor);
                if (!(relative < 2e-3)) {
                    bad.add(name + " relative error " + relative);
                }
            }
            assertTrue(bad.isEmpty(), String.join("\n", bad));
            assertTrue(g64.size() > 40, "every trainable tensor is compared");
        }
    }

    @Test
    void float64GradientsMatchCentralFiniteDifferences() {
        try (NDManager m = NDManager.newBaseManager(); Sagan model = new Sagan(CONFIG, 4, m, DataType.FLOAT64)) {
            attentionOn(model, m);
            Map<String, double[]> analytic = gradients(model, m, DataType.FLOAT64, false);
            String[][] probes = {{"G.output_conv.weight", "5"}, {"G.blocks.0.conv1.weight", "17"},
                    {"G.blocks.1.bn2.gain.weight", "3"}, {"G.attention16.f.weight", "2"}, {"G.input.weight", "40"},
                    {"D.blocks.0.conv1.weight", "4"}, {"D.attention16.v.weight", "1"}, {"D.projection.weight", "2"},
                    {"D.attention16.gamma", "0"}};
            for (String[] probe : probes) {
                NDArray param = tensor(model, probe[0]);
                int index = Integer.parseInt(probe[1]);
                double h = 1e-6;
                double original = param.toDoubleArray()[index];
                double plus = lossAt(model, m, param, index, original + h);
                double minus = lossAt(model, m, param, index, original - h);
                lossAt(model, m, param, index, original);
                double numeric = (plus - minus) / (2 * h);
                double exact = analytic.get(probe[0])[index];
                assertEquals(numeric, exact, 1e-6 + 1e-5 * Math.abs(numeric), probe[0] + "[" + index + "]");
            }
        }
    }

    /**
     * Every attention block's gamma at 0.5 instead of its initial 0: at 0 the block's output is its
     * input, and the gradients of f, g, h and v are exactly zero in any precision, whatever the
     * block computes.
     */
    private static void attentionOn(Sagan model, NDManager m) {
        int gammas = 0;
        for (ModelTensor p : trainable(model)) {
            if (p.name().endsWith(".gamma")) {
                p.array().intern(m.create(new float[] {0.5f}).toType(p.array().getDataType(), false).duplicate());
                p.array().setRequiresGradient(true);
                gammas++;
            }
        }
        assertEquals(2, gammas, "one attention block in each network");
    }

    /** G's trainable tensors, then D's. */
    private static List<ModelTensor> trainable(Sagan model) {
        List<ModelTensor> params = new ArrayList<>(model.generatorState().trainable());
        params.addAll(model.discriminatorState().trainable());
        return params;
    }

    /** d/dparams of D's hinge loss on (real, G(z)) plus G's loss, with the graph through both nets. */
    private static Map<String, double[]> gradients(Sagan model, NDManager m, DataType type, boolean training) {
        List<ModelTensor> params = trainable(model);
        for (ModelTensor p : params) {
            JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.array());
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(loss(model, m, type, training));
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        for (ModelTensor p : params) {
            out.put(p.name(), p.array().getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
        }
        return out;
    }

    private static NDArray loss(Sagan model, NDManager m, DataType type, boolean training) {
        Forward f = training ? Forward.TRAIN : Forward.EVAL;
        SplittableRandom random = new SplittableRandom(77);
        NDArray z = m.create(Init.normal(1).values(new Shape(BATCH, 8), random), new Shape(BATCH, 8)).toType(type, false);
        Shape imageShape = new Shape(BATCH, 1, 32, 32);
        NDArray real = m.create(Init.normal(0.5).values(imageShape, random), imageShape).toType(type, false);
        NDArray labels = m.create(new long[] {0, 1, 2, 1});
        NDArray fake = model.generator().forward(z, labels, f);
        NDArray dFake = model.discriminator().forward(fake, labels, f);
        return HingeLoss.discriminator(model.discriminator().forward(real, labels, f), dFake)
                .add(HingeLoss.generator(dFake));
    }

    private static double lossAt(Sagan model, NDManager m, NDArray param, int index, double value) {
        double[] values = param.toDoubleArray();
        values[index] = value;
        param.intern(m.create(values, param.getShape()).duplicate());
        param.setRequiresGradient(true);
        try (NoGrad ignored = new NoGrad()) {
            return loss(model, m, DataType.FLOAT64, false).getDouble();
        }
    }

    private static NDArray tensor(Sagan model, String name) {
        ModelTensor t = model.generatorState().all().get(name);
        return (t != null ? t : model.discriminatorState().all().get(name)).array();
    }
}
