package dev.gantry.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.gantry.data.LabeledImages;
import dev.gantry.model.ChannelsLast;
import dev.gantry.model.Discriminator;
import dev.gantry.model.Forward;
import dev.gantry.model.ModelTensor;
import dev.gantry.model.MovingAverage;
import dev.gantry.model.NoGrad;
import dev.gantry.model.Scopes;
import dev.gantry.spec.TrainingSpec;
import java.util.List;

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
    private final TrainingSpec training;
    private final InputPrefetch inputs;
    private final LossReadout losses;
    private boolean convolutionShapesChecked;

    /** A trainer that reads the losses after every step. */
    public Trainer(TrainingState state, LabeledImages data) {
        this(state, data, 1);
    }

    /**
     * @param lossReadEvery copy the losses to the host (and check them) on the first step and then
     *     every this many steps; {@link #step} returns the latest stats read
     */
    public Trainer(TrainingState state, LabeledImages data, int lossReadEvery) {
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
        DataOrder order = new DataOrder(training.seed(), data.count());
        int zDim = state.modelConfig().zDim();
        int classes = state.modelConfig().numClasses();
        this.inputs = new InputPrefetch(s -> StepInputs.of(s, training, zDim, classes, data, order));
        this.losses = new LossReadout(lossReadEvery);
    }

    /**
     * Runs one generator step (and its discriminator steps). Returns the latest losses read: this
     * step's when they were due, else an earlier step's (see {@link StepStats#step}). Throws when a
     * loss read is not finite.
     */
    public StepStats step() {
        long s = state.step();
        // Outside a GradientCollector nothing may be recorded (a new thread starts with grad mode on).
        JniUtils.setGradMode(false);
        if (!convolutionShapesChecked) {
            checkConvolutionShapes();
            convolutionShapesChecked = true;
        }
        StepInputs in = inputs.take(s);
        NDArray d = null;
        for (int k = 0; k < training.dStepsPerGStep(); k++) {
            if (d != null) {
                d.close();
            }
            d = discriminatorStep(in.discriminator().get(k));
        }
        NDArray lossG = generatorStep(in);
        if (training.hasEma()) {
            MovingAverage.update(state.model().generatorState(), state.model().emaGeneratorState(),
                    training.ema().decayAt(s));
        }
        state.setStep(s + 1);
        NDArray scalars;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            scalars = NDArrays.concat(new NDList(d.get("0:1"), lossG.reshape(1), d.get("1:3")));
            NDScope.unregister(scalars);
        } finally {
            d.close();
            lossG.close();
        }
        return losses.add(s + 1, scalars);
    }

    /**
     * Which of G's and D's convolutions may run channels-last on this machine ({@link
     * ChannelsLast}), checked once per process for this model and batch, before the first step
     * holds any activations: one evaluation forward of each network on zeros (which changes no
     * state) reports the shapes. Nothing to check where both networks are too wide for it.
     */
    private void checkConvolutionShapes() {
        if (!state.model().generator().channelsLast() && !state.model().discriminator().channelsLast()) {
            return;
        }
        int batch = training.batchSize();
        ChannelsLast.checkAhead(state.modelConfig() + ", " + state.model().dataType() + ", batch " + batch, () -> {
            try (NDScope scope = new NDScope(); NoGrad ignored = new NoGrad()) {
                scope.suppressNotUsedWarning();
                NDManager manager = state.model().manager();
                NDArray labels = manager.zeros(new Shape(batch), DataType.INT64);
                NDArray z = manager.zeros(new Shape(batch, state.modelConfig().zDim()), state.model().dataType());
                NDArray images = state.model().generator().forward(z, labels, Forward.EVAL);
                state.model().discriminator().forward(images, labels, Forward.EVAL);
            }
        });
    }

    /** Reads the losses of every step not read yet and returns the last one's (null before any step). */
    public StepStats readLosses() {
        return losses.read();
    }

    /**
     * One D update on a real batch and detached fakes; returns {loss, mean D(real), mean D(fake)} on
     * the device, owned by the caller.
     */
    private NDArray discriminatorStep(StepInputs.Discriminator in) {
        Discriminator d = state.model().discriminator();
        NDManager manager = state.model().manager();
        int batch = training.batchSize();
        // Each pass in its own scope, so its activations are freed before the next one starts.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray real = manager.create(in.realImages(), new Shape(batch, data.channels(), data.size(), data.size()));
            NDArray realLabels = manager.create(in.realLabels());
            NDArray fakeLabels = manager.create(in.fakeLabels());
            NDArray fake = detachedFakes(in, fakeLabels);
            zeroGradients(state.model().discriminatorState().trainable());
            NDArray result;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDList lossAndScalars = Scopes.keepOnlyResults(() -> {
                    NDArray dReal = d.forward(real, realLabels, Forward.TRAIN);
                    NDArray dFake = d.forward(fake, fakeLabels, Forward.TRAIN);
                    NDArray loss = HingeLoss.discriminator(dReal, dFake);
                    try (NoGrad ignored = new NoGrad()) {
                        return new NDList(loss, NDArrays.stack(new NDList(loss.stopGradient(),
                                dReal.stopGradient().mean(), dFake.stopGradient().mean())));
                    }
                });
                result = lossAndScalars.get(1);
                // fake is libtorch's own tensor; real is not closed here: an array made from Java data
                // (manager.create) is, on the CPU, a view of a Java buffer that only its NDArray keeps
                // alive, and D's first convolution saved it for backward.
                fake.close();
                backwardFreeing(collector, lossAndScalars.get(0));
            }
            state.discriminatorOptimizer().step();
            NDScope.unregister(result);
            return result;
        }
    }

    /** G's output for the D step, outside any graph; G's other arrays (z included) are freed before D runs. */
    private NDArray detachedFakes(StepInputs.Discriminator in, NDArray fakeLabels) {
        return Scopes.keepOnlyResult(() -> state.model().generator().forward(state.model().manager().create(
                in.fakeNoise(), new Shape(training.batchSize(), state.modelConfig().zDim())), fakeLabels, Forward.TRAIN));
    }

    /** One G update through D on fresh fakes; returns G's loss on the device, owned by the caller. */
    private NDArray generatorStep(StepInputs in) {
        NDManager manager = state.model().manager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray z = manager.create(in.generatorNoise(), new Shape(training.batchSize(), state.modelConfig().zDim()));
            NDArray labels = manager.create(in.generatorLabels());
            zeroGradients(state.model().generatorState().trainable());
            NDArray lossG;
            // G's update needs gradients through D's activations, never D's own: with D's parameters
            // out of the graph, backward skips their weight gradients (StudioGAN does the same). G's
            // gradients are the same bits, and D's are zeroed before its next backward anyway.
            List<ModelTensor> dParameters = state.model().discriminatorState().trainable();
            requireGradients(dParameters, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDList lossAndDetached = Scopes.keepOnlyResults(() -> {
                    NDArray fake = state.model().generator().forward(z, labels, Forward.TRAIN);
                    NDArray loss = HingeLoss.generator(state.model().discriminator().forward(fake, labels, Forward.TRAIN));
                    return new NDList(loss, loss.stopGradient());
                });
                lossG = lossAndDetached.get(1);
                backwardFreeing(collector, lossAndDetached.get(0));
            } finally {
                requireGradients(dParameters, true);
            }
            state.generatorOptimizer().step();
            NDScope.unregister(lossG);
            return lossG;
        }
    }

    /**
     * Backpropagates from {@code loss}, then frees it. The forward pass's arrays are closed before
     * this is called: autograd holds its own references to what backward needs and drops each as
     * backward passes it, so activations are freed during backward (as in PyTorch, where Python's
     * references are gone by then) instead of all at the step's end. Same bits, lower peak memory.
     * Only arrays libtorch allocated may be closed early: one created from Java data borrows a Java
     * buffer that closing its NDArray lets the garbage collector free under autograd.
     */
    private static void backwardFreeing(GradientCollector collector, NDArray loss) {
        try {
            collector.backward(loss);
        } finally {
            loss.close();
        }
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
