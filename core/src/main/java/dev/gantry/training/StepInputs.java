package dev.gantry.training;

import dev.gantry.data.LabeledImages;
import dev.gantry.spec.TrainingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Everything one training step reads that does not depend on the model, as host arrays: the real
 * batches and fake noise and labels of its D steps, and the noise and labels of its G step. A pure
 * function of (spec, data, step), so it can be prepared on another thread while the previous step
 * runs without changing a bit of the result.
 */
record StepInputs(long step, List<Discriminator> discriminator, float[] generatorNoise, long[] generatorLabels) {
    /** One D step's inputs. */
    record Discriminator(float[] realImages, long[] realLabels, float[] fakeNoise, long[] fakeLabels) {}

    static StepInputs of(long s, TrainingSpec training, int zDim, int numClasses, LabeledImages data, DataOrder order) {
        int batch = training.batchSize();
        List<Discriminator> d = new ArrayList<>(training.dStepsPerGStep());
        for (int k = 0; k < training.dStepsPerGStep(); k++) {
            int[] indices = order.batch(s * training.dStepsPerGStep() + k, batch);
            long[] labels = new long[indices.length];
            for (int i = 0; i < indices.length; i++) {
                labels[i] = data.labels()[indices[i]];
            }
            SplittableRandom random = StepRandomness.generator(training.seed(), s, k, StepRandomness.Role.DISCRIMINATOR_FAKES);
            float[] noise = StepRandomness.normal(random, batch, zDim);
            d.add(new Discriminator(data.batch(indices), labels, noise, StepRandomness.uniformLabels(random, batch, numClasses)));
        }
        SplittableRandom random = StepRandomness.generator(training.seed(), s, 0, StepRandomness.Role.GENERATOR_FAKES);
        float[] noise = StepRandomness.normal(random, batch, zDim);
        return new StepInputs(s, List.copyOf(d), noise, StepRandomness.uniformLabels(random, batch, numClasses));
    }
}
