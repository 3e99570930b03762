package dev.gantry.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.checkpoint.SafeTensors;
import dev.gantry.model.ModelTensor;
import dev.gantry.model.NoGrad;
import dev.gantry.model.TensorValues;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.SpecLoader;
import dev.gantry.training.Adam;
import dev.gantry.training.TrainingState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns a {@link TrainingState} into the objects of a checkpoint and back (format version 1,
 * documented in docs/checkpoint-format.md):
 * <ul>
 *   <li>{@code model.safetensors}: every tensor of G ("G.") and D ("D."): parameters,
 *       spectral-norm u/v ("...sn_u", "...sn_v"), batch-norm running statistics;</li>
 *   <li>{@code optimizer.safetensors}: Adam moments ("NAME.exp_avg", "NAME.exp_avg_sq");</li>
 *   <li>{@code state.json}: step, Adam step counts and hyper-parameters, the resolved model
 *       config, class names, the spec text and its trajectory hash.</li>
 * </ul>
 */
public final class CheckpointCodec {
    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointCodec() {}

    /** The checkpoint's objects, manifest excluded, in a fixed order. */
    public static Map<String, byte[]> encode(TrainingState state) {
        Map<String, SafeTensors.Tensor> model = new LinkedHashMap<>();
        addAll(model, state.model().generatorState().all());
        addAll(model, state.model().discriminatorState().all());
        Map<String, SafeTensors.Tensor> optimizer = new LinkedHashMap<>();
        addMoments(optimizer, state.generatorOptimizer());
        addMoments(optimizer, state.discriminatorOptimizer());
        Map<String, String> meta = Map.of("format", "gantry-checkpoint-v1");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(MODEL, SafeTensors.write(model, meta));
        files.put(OPTIMIZER, SafeTensors.write(optimizer, meta));
        files.put(STATE, stateJson(state));
        return files;
    }

    /** Rebuilds a state from verified checkpoint objects. */
    public static TrainingState decode(Map<String, byte[]> files, NDManager manager, String location) {
        JsonNode json = readJson(files, location);
        ExperimentSpec spec = SpecLoader.parse(json.path("spec").asText(), location + "/" + STATE + "#spec");
        ModelConfig config;
        List<String> classNames = new ArrayList<>();
        try {
            config = JSON.treeToValue(json.path("model"), ModelConfig.class);
        } catch (IOException e) {
            throw new CheckpointException(location + "/" + STATE + ": bad model config: " + e.getMessage());
        }
        json.path("classNames").forEach(n -> classNames.add(n.asText()));
        TrainingState state = new TrainingState(spec, json.path("spec").asText(), config, classNames, manager);
        try {
            Map<String, SafeTensors.Tensor> model = SafeTensors.read(required(files, MODEL, location), location + "/" + MODEL);
            Map<String, SafeTensors.Tensor> optimizer =
                    SafeTensors.read(required(files, OPTIMIZER, location), location + "/" + OPTIMIZER);
            Map<String, NDArray> modelTargets = new LinkedHashMap<>();
            Map<String, Boolean> trainable = new LinkedHashMap<>();
            for (Map<String, ModelTensor> registry : List.of(state.model().generatorState().all(),
                    state.model().discriminatorState().all())) {
                registry.values().forEach(t -> {
                    modelTargets.put(t.name(), t.array());
                    trainable.put(t.name(), t.trainable());
                });
            }
            assign(modelTargets, trainable, model, location + "/" + MODEL);
            Map<String, NDArray> optimizerTargets = new LinkedHashMap<>();
            for (Adam adam : List.of(state.generatorOptimizer(), state.discriminatorOptimizer())) {
                adam.expAvg().forEach((name, array) -> optimizerTargets.put(name + ".exp_avg", array));
                adam.expAvgSq().forEach((name, array) -> optimizerTargets.put(name + ".exp_avg_sq", array));
            }
            assign(optimizerTargets, Map.of(), optimizer, location + "/" + OPTIMIZER);
            state.setStep(json.path("step").asLong());
            state.generatorOptimizer().setStepCount(json.path("optimizers").path("G").path("step").asLong());
            state.discriminatorOptimizer().setStepCount(json.path("optimizers").path("D").path("step").asLong());
            return state;
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
    }

    /** Reads only state.json: enough to learn the step, spec hash and model config without tensors. */
    public static JsonNode readJson(Map<String, byte[]> files, String location) {
        try {
            JsonNode json = JSON.readTree(required(files, STATE, location));
            if (json == null || json.path("version").asInt(-1) != Manifest.VERSION) {
                throw new CheckpointException(location + "/" + STATE + ": unsupported or missing format version");
            }
            return json;
        } catch (IOException e) {
            throw new CheckpointException(location + "/" + STATE + ": not JSON: " + e.getMessage());
        }
    }

    private static byte[] required(Map<String, byte[]> files, String name, String location) {
        byte[] bytes = files.get(name);
        if (bytes == null) {
            throw new CheckpointException(location + ": missing " + name);
        }
        return bytes;
    }

    private static byte[] stateJson(TrainingState state) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", Manifest.FORMAT);
        root.put("version", Manifest.VERSION);
        root.put("step", state.step());
        root.put("specHash", state.spec().trajectoryHash());
        root.put("seed", state.spec().training().seed());
        root.set("model", JSON.valueToTree(state.modelConfig()));
        var names = root.putArray("classNames");
        state.classNames().forEach(names::add);
        ObjectNode optimizers = root.putObject("optimizers");
        optimizers.set("G", optimizerJson(state.generatorOptimizer()));
        optimizers.set("D", optimizerJson(state.discriminatorOptimizer()));
        root.put("spec", state.specYaml());
        try {
            return JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode optimizerJson(Adam adam) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "adam");
        node.put("step", adam.stepCount());
        node.put("lr", adam.hyper().lr());
        node.put("beta1", adam.hyper().beta1());
        node.put("beta2", adam.hyper().beta2());
        node.put("eps", adam.hyper().eps());
        return node;
    }

    private static void addAll(Map<String, SafeTensors.Tensor> out, Map<String, ModelTensor> tensors) {
        tensors.forEach((name, t) -> out.put(name, toTensor(t.array())));
    }

    private static void addMoments(Map<String, SafeTensors.Tensor> out, Adam adam) {
        adam.expAvg().forEach((name, array) -> out.put(name + ".exp_avg", toTensor(array)));
        adam.expAvgSq().forEach((name, array) -> out.put(name + ".exp_avg_sq", toTensor(array)));
    }

    private static SafeTensors.Tensor toTensor(NDArray array) {
        return new SafeTensors.Tensor(array.getShape().getShape(), array.toFloatArray());
    }

    private static void assign(Map<String, NDArray> targets, Map<String, Boolean> trainable,
            Map<String, SafeTensors.Tensor> stored, String location) {
        if (!targets.keySet().equals(stored.keySet())) {
            TreeSet<String> missing = new TreeSet<>(targets.keySet());
            missing.removeAll(stored.keySet());
            TreeSet<String> extra = new TreeSet<>(stored.keySet());
            extra.removeAll(targets.keySet());
            throw new CheckpointException(location + ": tensors do not match the model (missing " + first(missing)
                    + ", unexpected " + first(extra) + ")");
        }
        try (NoGrad ignored = new NoGrad()) {
            for (Map.Entry<String, NDArray> e : targets.entrySet()) {
                SafeTensors.Tensor t = stored.get(e.getKey());
                NDArray target = e.getValue();
                if (!java.util.Arrays.equals(t.shape(), target.getShape().getShape())) {
                    throw new CheckpointException(location + ": tensor " + e.getKey() + " has shape "
                            + java.util.Arrays.toString(t.shape()) + ", the model expects " + target.getShape());
                }
                TensorValues.replace(target, t.values(), trainable.getOrDefault(e.getKey(), false));
            }
        }
    }

    private static String first(TreeSet<String> names) {
        return names.isEmpty() ? "none" : names.first() + (names.size() > 1 ? " and " + (names.size() - 1) + " more" : "");
    }
}
