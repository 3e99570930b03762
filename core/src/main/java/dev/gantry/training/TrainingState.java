package dev.gantry.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.lineage.Lineage;
import dev.gantry.model.ModelTensor;
import dev.gantry.model.Sagan;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.TrainingSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a trial is after some number of generator steps: both networks (parameters and
 * buffers), the EMA generator where the spec asks for one, both optimizers, and the step. A
 * checkpoint stores exactly this.
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
    /** Where this state came from when it descends from a fork; null for a trial trained from scratch. */
    private Lineage lineage;

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
        this.model = new Sagan(modelConfig, t.seed(), manager, t.hasEma());
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

    /** The lineage state.json carries: set for forked trials (and their forks), empty otherwise. */
    public java.util.Optional<Lineage> lineage() {
        return java.util.Optional.ofNullable(lineage);
    }

    public void setLineage(Lineage lineage) {
        this.lineage = lineage;
    }

    /**
     * The state's own part of state.json: format, version, step, spec hash and seed, the resolved
     * model config and class names; then the optimizers' scalar state; then the spec text.
     */
    public ObjectNode stateJson(ObjectMapper json, int version, String format) {
        ObjectNode root = json.createObjectNode();
        root.put("format", format);
        root.put("version", version);
        root.put("step", step);
        root.put("specHash", spec.trajectoryHash());
        root.put("seed", spec.training().seed());
        root.set("model", json.valueToTree(modelConfig));
        var names = root.putArray("classNames");
        classNames.forEach(names::add);
        ObjectNode optimizers = root.putObject("optimizers");
        optimizers.set("G", generatorOptimizer.stateJson(json));
        optimizers.set("D", discriminatorOptimizer.stateJson(json));
        root.put("spec", specYaml);
        if (lineage != null) {
            root.set("lineage", lineage.toJson(json));
        }
        return root;
    }

    /** Restores the scalars of {@link #stateJson}: the step and the optimizers' step counts. */
    public void loadStateJson(JsonNode root) {
        step = root.path("step").asLong();
        generatorOptimizer.loadStateJson(root.path("optimizers").path("G"));
        discriminatorOptimizer.loadStateJson(root.path("optimizers").path("D"));
    }

    /**
     * Every model tensor (G, then D, then G_ema where the spec keeps one: parameters, spectral-norm
     * vectors, batch-norm statistics).
     */
    public Map<String, ModelTensor> modelTensors() {
        Map<String, ModelTensor> out = new LinkedHashMap<>(model.generatorState().all());
        out.putAll(model.discriminatorState().all());
        out.putAll(model.emaGeneratorTensors());
        return out;
    }

    /** Both optimizers' tensors, G's then D's. */
    public Map<String, NDArray> optimizerTensors() {
        Map<String, NDArray> out = new LinkedHashMap<>(generatorOptimizer.stateTensors());
        out.putAll(discriminatorOptimizer.stateTensors());
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
