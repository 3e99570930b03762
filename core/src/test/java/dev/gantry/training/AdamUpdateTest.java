package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.gantry.model.ModelTensor;
import dev.gantry.model.NoGrad;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one-call update against the same operations issued one by one through DJL (how gantry's
 * Adam ran before): the parameters and both moments must come out bit for bit the same, so that
 * checkpoints written before and after the change continue identically.
 */
class AdamUpdateTest {
    private static final Shape[] SHAPES = {new Shape(64, 16, 3, 3), new Shape(64), new Shape(1), new Shape(10, 64)};

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DataType.class, names = {"FLOAT32", "FLOAT64"})
    void matchesTheOperationByOperationUpdateBitForBit(DataType type) {
        for (double beta1 : new double[] {0.0, 0.5}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Adam.Hyper hyper = new Adam.Hyper(4e-4, beta1, 0.9, 1e-8);
                List<ModelTensor> fused = parameters(m, "fused", type);
                List<ModelTensor> reference = parameters(m, "reference", type);
                Adam adam = new Adam(fused, hyper, m);
                List<NDArray[]> moments = new ArrayList<>();
                for (ModelTensor p : reference) {
                    moments.add(new NDArray[] {m.zeros(p.array().getShape(), type), m.zeros(p.array().getShape(), type)});
                }
                SplittableRandom random = new SplittableRandom(11);
                for (int step = 1; step <= 4; step++) {
                    long seed = random.nextLong();
                    backward(fused, seed);
                    backward(reference, seed);
                    adam.step();
                    referenceStep(reference, moments, hyper, step);
                    for (int i = 0; i < fused.size(); i++) {
                        String what = fused.get(i).name() + " beta1 " + beta1 + " step " + step;
                        assertArrayEquals(doubles(reference.get(i).array()), doubles(fused.get(i).array()), 0, what);
                        String key = fused.get(i).name();
                        assertArrayEquals(doubles(moments.get(i)[0]), doubles(adam.expAvg().get(key)), 0,
                                what + " exp_avg");
                        assertArrayEquals(doubles(moments.get(i)[1]), doubles(adam.expAvgSq().get(key)), 0,
                                what + " exp_avg_sq");
                    }
                }
            }
        }
    }

    private static double[] doubles(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static List<ModelTensor> parameters(NDManager m, String prefix, DataType type) {
        List<ModelTensor> out = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < SHAPES.length; i++) {
            float[] values = new float[(int) SHAPES[i].size()];
            for (int j = 0; j < values.length; j++) {
                values[j] = (float) random.nextGaussian();
            }
            NDArray array = m.create(values, SHAPES[i]).toType(type, false);
            array.setRequiresGradient(true);
            out.add(new ModelTensor(prefix + i, array, true));
        }
        return out;
    }

    /** Gradients of sum(c * p^3) with random c: values spread over many magnitudes, signs mixed. */
    private static void backward(List<ModelTensor> parameters, long seed) {
        Trainer.zeroGradients(parameters);
        NDManager m = parameters.get(0).array().getManager();
        SplittableRandom random = new SplittableRandom(seed);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (ModelTensor p : parameters) {
                float[] c = new float[(int) p.array().size()];
                for (int j = 0; j < c.length; j++) {
                    c[j] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-3, 3)));
                }
                NDArray term = p.array().pow(3).mul(m.create(c, p.array().getShape()).toType(p.array().getDataType(), false))
                        .sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    /** gantry's Adam before AdamUpdate: PyTorch's formula as 13 DJL operations per parameter. */
    private static void referenceStep(List<ModelTensor> parameters, List<NDArray[]> moments, Adam.Hyper hyper, long step) {
        double bc1 = 1 - Math.pow(hyper.beta1(), step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(hyper.beta2(), step));
        float stepSize = (float) (hyper.lr() / bc1);
        float b1 = (float) hyper.beta1();
        float b2 = (float) hyper.beta2();
        try (NoGrad ignored = new NoGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                NDArray p = parameters.get(i).array();
                NDArray g = p.getGradient();
                NDArray m = moments.get(i)[0];
                NDArray v = moments.get(i)[1];
                m.muli(b1).addi(g.mul(1 - b1));
                v.muli(b2).addi(g.mul(g).muli(1 - b2));
                NDArray denom = v.sqrt().divi((float) bc2Sqrt).addi((float) hyper.eps());
                p.subi(m.div(denom).muli(stepSize));
            }
        }
    }
}
