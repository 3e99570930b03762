package dev.gantry.training;

import ai.djl.ndarray.NDManager;
import dev.gantry.spec.ModelConfig;
import dev.gantry.model.Sagan;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.TrainingSpec;
import java.util.List;

/**
 * Everything a trial is after some number of generator steps: both networks (parameters and
 * buffers), both optimizers, and the step. A checkpoint stores exactly this.
 */
public final class TrainingState implements AutoCloseable {
    private final ExperimentSpec spec;
    private final String specYaml;
    private final ModelConfig modelConfig;
    private final List<String> classNames;
    private final Sagan model;
    private final Adam generatorOptimizer;
    private final Adam discriminatorOptimizer;
    private long step;

    /** A fresh trial at step 0, initialised from the spec's seed. */
    public TrainingState(ExperimentSpec spec, String specYaml, ModelConfig modelConfig, List<String> classNames,
            NDManager manager) {
        if (classNames.size() != modelConfig.numClasses()) {
            throw new IllegalArgumentException("class names " + classNames.size() + " != classes " + modelConfig.numClasses());
        }
        this.spec = spec;
        this.specYaml = specYaml;
        this.modelConfig = modelConfig;
        this.classNames = List.copyOf(classNames);
        TrainingSpec t = spec.training();
        this.model = new Sagan(modelConfig, t.seed(), manager);
        this.generatorOptimizer = new Adam(model.generatorState().trainable(),
                new Adam.Hyper(t.lrG(), t.beta1(), t.beta2(), t.eps()), model.manager());
        this.discriminatorOptimizer = new Adam(model.discriminatorState().trainable(),
                new Adam.Hyper(t.effectiveLrD(), t.beta1(), t.beta2(), t.eps()), model.manager());
    }

    public ExperimentSpec spec() {
        return spec;
    }

    public String specYaml() {
        return specYaml;
    }

    public ModelConfig modelConfig() {
        return modelConfig;
    }

    public List<String> classNames() {
        return classNames;
    }

    public Sagan model() {
        return model;
    }

    public Adam generatorOptimizer() {
        return generatorOptimizer;
    }

    public Adam discriminatorOptimizer() {
        return discriminatorOptimizer;
    }

    public long step() {
        return step;
    }

    public void setStep(long step) {
        this.step = step;
    }

    @Override
    public void close() {
        model.close();
    }
}
