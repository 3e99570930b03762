package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.gantry.model.ModelTensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossAndOptimizerTest {
    @Test
    void hingeLossesOnAHandComputedCase() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray real = m.create(new float[] {2f, 0.5f, -1f});  // max(0, 1-x): 0, 0.5, 2 -> mean 0.8333
            NDArray fake = m.create(new float[] {-3f, 0f, 1f});    // max(0, 1+x): 0, 1, 2 -> mean 1
            assertEquals(1.8333333, HingeLoss.discriminator(real, fake).getFloat(), 1e-6);
            assertEquals(0.6666667, HingeLoss.generator(m.create(new float[] {-1f, 0f, -1f})).getFloat(), 1e-6);
        }
    }

    /** Two Adam steps on p = [1, -2] with gradients computed by hand from PyTorch's formula. */
    @Test
    void adamFollowsPyTorchsUpdateIncludingBiasCorrection() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {1f, -2f});
            p.setRequiresGradient(true);
            double lr = 0.1, b1 = 0.5, b2 = 0.9, eps = 1e-8;
            Adam adam = new Adam(List.of(new ModelTensor("p", p, true)), new Adam.Hyper(lr, b1, b2, eps), m);
            double[] x = {1, -2};
            double[] mom = new double[2], vel = new double[2];
            for (int t = 1; t <= 2; t++) {
                Trainer.zeroGradients(List.of(new ModelTensor("p", p, true)));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(p.mul(p).mul(p).sum()); // d/dp p^3 = 3 p^2
                }
                adam.step();
                for (int i = 0; i < 2; i++) {
                    double g = 3 * x[i] * x[i];
                    mom[i] = b1 * mom[i] + (1 - b1) * g;
                    vel[i] = b2 * vel[i] + (1 - b2) * g * g;
                    double denom = Math.sqrt(vel[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                    x[i] -= lr / (1 - Math.pow(b1, t)) * mom[i] / denom;
                }
            }
            float[] actual = p.toFloatArray();
            assertEquals(x[0], actual[0], 1e-6);
            assertEquals(x[1], actual[1], 1e-6);
            assertEquals(2, adam.stepCount());
            assertEquals(new Shape(2), adam.expAvg().get("p").getShape());
        }
    }

    @Test
    void dataOrderVisitsEveryImageOncePerEpochAndIsReproducible() {
        DataOrder order = new DataOrder(5, 10);
        int[] epoch0 = new int[10];
        int[] seen = new int[10];
        for (int b = 0; b < 5; b++) {
            int[] batch = order.batch(b, 2);
            System.arraycopy(batch, 0, epoch0, 2 * b, 2);
            for (int i : batch) {
                seen[i]++;
            }
        }
        for (int count : seen) {
            assertEquals(1, count);
        }
        assertEquals(java.util.Arrays.toString(epoch0), java.util.Arrays.toString(new DataOrder(5, 10).permutation(0)));
        int[] epoch1 = new DataOrder(5, 10).permutation(1);
        assertEquals(false, java.util.Arrays.equals(epoch0, epoch1), "epochs must be reshuffled");
        // A batch that straddles epochs: last 3 of epoch 0, first image of epoch 1 ...
        int[] straddle = order.batch(2, 4); // positions 8..11
        assertEquals(epoch0[8], straddle[0]);
        assertEquals(epoch1[0], straddle[2]);
    }
}
