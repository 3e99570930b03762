package dev.gantry.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.gantry.data.LabeledImages;
import dev.gantry.model.Discriminator;
import dev.gantry.model.Forward;
import dev.gantry.model.Generator;
import dev.gantry.model.ModelTensor;
import dev.gantry.model.MovingAverage;
import dev.gantry.model.NoGrad;
import dev.gantry.spec.TrainingSpec;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs SAGAN's training iteration on a {@link TrainingState}: dStepsPerGStep discriminator steps
 * on real batches and detached fakes, then one generator step, each with the hinge loss and its
 * own Adam, then the EMA generator's update where the spec keeps one. Each step runs inside an NDScope so native memory stays flat, and draws all its
 * randomness from (seed, step), so the result depends only on the state and the step number.
 * DJL allows one GradientCollector per JVM: use one Trainer per process.
 */
public final class Trainer {
    private final TrainingState state;
    private final LabeledImages data;
    private final DataOrder order;
    private final TrainingSpec training;

    public Trainer(TrainingState state, LabeledImages data) {
        if (data.channels() != state.modelConfig().imageChannels() || data.size() != state.modelConfig().imageSize()
                || data.numClasses() != state.modelConfig().numClasses()) {
            throw new IllegalArgumentException("dataset " + data.name() + " (" + data.channels() + "x" + data.size() + "x"
                    + data.size() + ", " + data.numClasses() + " classes) does not match the model ("
                    + state.modelConfig().imageChannels() + "x" + state.modelConfig().imageSize() + ", "
                    + state.modelConfig().numClasses() + " classes)");
        }
        this.state = state;
        this.data = data;
        this.training = state.spec().training();
        this.order = new DataOrder(training.seed(), data.count());
    }

    /** Runs one generator step (and its discriminator steps); throws if a loss is not finite. */
    public StepStats step() {
        long s = state.step();
        // Outside a GradientCollector nothing may be recorded (a new thread starts with grad mode on).
        JniUtils.setGradMode(false);
        float[] d = null;
        for (int k = 0; k < training.dStepsPerGStep(); k++) {
            d = discriminatorStep(s, k);
        }
        double lossG = generatorStep(s);
        if (training.hasEma()) {
            MovingAverage.update(state.model().generatorState(), state.model().emaGeneratorState(),
                    training.ema().decayAt(s));
        }
        state.setStep(s + 1);
        StepStats stats = new StepStats(s + 1, d[0], lossG, d[1], d[2]);
        if (!stats.finite()) {
            throw new NonFiniteLossException(stats);
        }
        return stats;
    }

    /** One D update on a real batch and detached fakes; returns {loss, mean D(real), mean D(fake)}. */
    private float[] discriminatorStep(long s, int k) {
        Generator g = state.model().generator();
        Discriminator d = state.model().discriminator();
        NDManager manager = state.model().manager();
        int batch = training.batchSize();
        // Each pass in its own scope, so its activations are freed before the next one starts.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            int[] indices = order.batch(s * training.dStepsPerGStep() + k, batch);
            NDArray real = realImages(manager, indices);
            NDArray realLabels = realLabels(manager, indices);
            SplittableRandom random = StepRandomness.generator(training.seed(), s, k, StepRandomness.Role.DISCRIMINATOR_FAKES);
            NDArray z = noise(manager, random);
            NDArray fakeLabels = manager.create(StepRandomness.uniformLabels(random, batch, state.modelConfig().numClasses()));
            NDArray fake = g.forward(z, fakeLabels, Forward.TRAIN);
            zeroGradients(state.model().discriminatorState().trainable());
            float[] result;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray dReal = d.forward(real, realLabels, Forward.TRAIN);
                NDArray dFake = d.forward(fake, fakeLabels, Forward.TRAIN);
                NDArray loss = HingeLoss.discriminator(dReal, dFake);
                collector.backward(loss);
                result = new float[] {loss.getFloat(), dReal.mean().getFloat(), dFake.mean().getFloat()};
            }
            state.discriminatorOptimizer().step();
            return result;
        }
    }

    /** One G update through D on fresh fakes; returns G's loss. */
    private double generatorStep(long s) {
        NDManager manager = state.model().manager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            SplittableRandom random = StepRandomness.generator(training.seed(), s, 0, StepRandomness.Role.GENERATOR_FAKES);
            NDArray z = noise(manager, random);
            NDArray labels = manager.create(StepRandomness.uniformLabels(random, training.batchSize(),
                    state.modelConfig().numClasses()));
            zeroGradients(state.model().generatorState().trainable());
            double lossG;
            // G's update needs gradients through D's activations, never D's own: with D's parameters
            // out of the graph, backward skips their weight gradients (StudioGAN does the same). G's
            // gradients are the same bits, and D's are zeroed before its next backward anyway.
            List<ModelTensor> dParameters = state.model().discriminatorState().trainable();
            requireGradients(dParameters, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray fake = state.model().generator().forward(z, labels, Forward.TRAIN);
                NDArray loss = HingeLoss.generator(state.model().discriminator().forward(fake, labels, Forward.TRAIN));
                collector.backward(loss);
                lossG = loss.getFloat();
            } finally {
                requireGradients(dParameters, true);
            }
            state.generatorOptimizer().step();
            return lossG;
        }
    }

    private NDArray noise(NDManager manager, SplittableRandom random) {
        int zDim = state.modelConfig().zDim();
        return manager.create(StepRandomness.normal(random, training.batchSize(), zDim),
                new Shape(training.batchSize(), zDim));
    }

    private NDArray realImages(NDManager manager, int[] indices) {
        return manager.create(data.batch(indices), new Shape(indices.length, data.channels(), data.size(), data.size()));
    }

    private NDArray realLabels(NDManager manager, int[] indices) {
        long[] labels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            labels[i] = data.labels()[indices[i]];
        }
        return manager.create(labels);
    }

    private static void requireGradients(List<ModelTensor> parameters, boolean required) {
        for (ModelTensor p : parameters) {
            p.array().setRequiresGradient(required);
        }
    }

    /** Backward accumulates into .grad: clear it before each network's backward pass. */
    public static void zeroGradients(List<ModelTensor> parameters) {
        try (NoGrad ignored = new NoGrad()) {
            for (ModelTensor p : parameters) {
                JniUtils.zeroGrad((PtNDArray) p.array());
            }
        }
    }
}
