package dev.gantry.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.checkpoint.SafeTensors;
import dev.gantry.model.NoGrad;
import dev.gantry.model.TensorValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
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
    /** The version of state.json and the tensor layout (the manifest has its own, {@link Manifest#VERSION}). */
    public static final int STATE_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointCodec() {}

    /**
     * The checkpoint's objects, manifest excluded, in a fixed order. Each part of the state owns
     * what it stores (the networks their tensors, Adam its moments and step count, the training
     * state its scalars); the codec only assembles them into files.
     */
    public static Map<String, byte[]> encode(TrainingState state) {
        Map<String, SafeTensors.Tensor> model = new LinkedHashMap<>();
        state.modelTensors().forEach((name, t) -> model.put(name, toTensor(t.array())));
        Map<String, SafeTensors.Tensor> optimizer = new LinkedHashMap<>();
        state.optimizerTensors().forEach((name, array) -> optimizer.put(name, toTensor(array)));
        Map<String, String> meta = Map.of("format", "gantry-checkpoint-v1");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(MODEL, SafeTensors.write(model, meta));
        files.put(OPTIMIZER, SafeTensors.write(optimizer, meta));
        try {
            files.put(STATE, JSON.writeValueAsString(state.stateJson(JSON, STATE_VERSION, Manifest.FORMAT))
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return files;
    }

    /** Rebuilds a state from verified checkpoint objects (of this format version or an older one). */
    public static TrainingState decode(Map<String, byte[]> stored, NDManager manager, String location) {
        Map<String, byte[]> files = CheckpointMigrations.toCurrent(stored, parseJson(stored, location), location);
        StateJson header = state(files, location);
        TrainingState state = new TrainingState(header.spec(), header.specYaml(), header.config(), header.classNames(),
                manager);
        try {
            Map<String, NDArray> modelTargets = new LinkedHashMap<>();
            Map<String, Boolean> trainable = new LinkedHashMap<>();
            state.modelTensors().forEach((name, t) -> {
                modelTargets.put(name, t.array());
                trainable.put(name, t.trainable());
            });
            assign(modelTargets, trainable, SafeTensors.read(required(files, MODEL, location), location + "/" + MODEL),
                    location + "/" + MODEL);
            assign(state.optimizerTensors(), Map.of(), SafeTensors.read(required(files, OPTIMIZER, location),
                    location + "/" + OPTIMIZER), location + "/" + OPTIMIZER);
            state.loadStateJson(header.json());
            header.lineage().ifPresent(state::setLineage);
            return state;
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
    }

    /**
     * state.json of current-format objects, checked field by field before anything is built from
     * it: everything decode reads from it before allocating the networks.
     */
    static StateJson state(Map<String, byte[]> files, String location) {
        return StateJson.read(readJson(files, location), JSON, location);
    }

    /** Reads only state.json: enough to learn the step, spec hash and model config without tensors. */
    public static JsonNode readJson(Map<String, byte[]> files, String location) {
        JsonNode json = parseJson(files, location);
        if (json.path("version").asInt(-1) != STATE_VERSION) {
            throw new CheckpointException(location + "/" + STATE + ": unsupported or missing format version");
        }
        return json;
    }

    private static JsonNode parseJson(Map<String, byte[]> files, String location) {
        try {
            JsonNode json = JSON.readTree(required(files, STATE, location));
            if (json == null || !json.isObject()) {
                throw new CheckpointException(location + "/" + STATE + ": not a JSON object");
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
