package dev.gantry.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.CheckpointFork;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.Architecture;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import dev.gantry.spec.SpecException;
import dev.gantry.spec.SpecLoader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a checkpoint's state.json says it is, checked before anything is built from it. The
 * networks are allocated from the model config it records, so every field must lie within the
 * bounds SpecLoader enforces on a spec, and the class count must be that of the class names
 * stored beside it: a damaged or forged state.json fails here with a CheckpointException naming
 * the field, not in the engine, in a constructor, or with an allocation the file cannot back.
 *
 * @param lineage a forked trial's ancestry
 * @param json the whole document, for the parts that restore scalars (optimizer step counts)
 */
record StateJson(ExperimentSpec spec, String specYaml, ModelConfig config, List<String> classNames, long step,
        Optional<Lineage> lineage, JsonNode json) {
    /** SpecLoader's bound on zDim and on each network's base width. */
    private static final int MAX_WIDTH = 4096;

    /** @param location the checkpoint, as messages name it */
    static StateJson read(JsonNode json, ObjectMapper mapper, String location) {
        String where = location + "/" + CheckpointCodec.STATE;
        if (!json.path("spec").isTextual()) {
            throw new CheckpointException(where + ": spec must be the spec's YAML text");
        }
        String specYaml = json.path("spec").asText();
        ExperimentSpec spec;
        try {
            spec = SpecLoader.parse(specYaml, where + "#spec");
        } catch (SpecException e) {
            throw new CheckpointException(where + ": its spec is not valid: " + String.join("; ", e.problems()), e);
        }
        List<String> classNames = classNames(json.path("classNames"), where);
        ModelConfig config = config(json.path("model"), mapper, where);
        if (config.numClasses() != classNames.size()) {
            throw new CheckpointException(where + ": model.numClasses is " + config.numClasses() + " but "
                    + classNames.size() + " class names are stored");
        }
        long step = step(json, "step", where);
        step(json.path("optimizers").path("G"), "optimizers.G.step", where);
        step(json.path("optimizers").path("D"), "optimizers.D.step", where);
        Optional<Lineage> lineage = CheckpointFork.lineageOf(json, location);  // a fork's ancestry, checked link by link
        return new StateJson(spec, specYaml, config, classNames, step, lineage, json);
    }

    private static List<String> classNames(JsonNode node, String where) {
        if (!node.isArray() || node.isEmpty()) {
            throw new CheckpointException(where + ": classNames must be a non-empty list of names");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual()) {
                throw new CheckpointException(where + ": classNames[" + names.size() + "] is not a name: " + abbreviated(n));
            }
            names.add(n.asText());
        }
        return names;
    }

    private static ModelConfig config(JsonNode node, ObjectMapper mapper, String where) {
        ModelConfig c;
        try {
            c = node.isObject() ? mapper.treeToValue(node, ModelConfig.class) : null;
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(where + ": bad model config: " + e.getMessage());
        }
        if (c == null || c.generator() == null || c.discriminator() == null || c.attentionKind() == null) {
            throw new CheckpointException(where + ": model must hold the whole model config");
        }
        if (!Architecture.IMAGE_SIZES.contains(c.imageSize())) {
            throw new CheckpointException(where + ": model.imageSize " + c.imageSize() + " is not one of " + Architecture.IMAGE_SIZES);
        }
        if (c.imageChannels() != 1 && c.imageChannels() != 3) {
            throw new CheckpointException(where + ": model.imageChannels " + c.imageChannels() + " is not 1 or 3");
        }
        if (c.zDim() < 1 || c.zDim() > MAX_WIDTH) {
            throw new CheckpointException(where + ": model.zDim " + c.zDim() + " is not 1.." + MAX_WIDTH);
        }
        if (!(c.bnMomentum() >= 0 && c.bnMomentum() <= 1)) {
            throw new CheckpointException(where + ": model.bnMomentum " + c.bnMomentum() + " is not 0..1");
        }
        Architecture arch = Architecture.forImageSize(c.imageSize());
        network(c.generator(), arch.generatorAttentionSizes(), "model.generator", where);
        network(c.discriminator(), arch.discriminatorAttentionSizes(), "model.discriminator", where);
        return c;
    }

    private static void network(NetworkConfig n, List<Integer> attentionSizes, String field, String where) {
        if (n.channels() < 1 || n.channels() > MAX_WIDTH) {
            throw new CheckpointException(where + ": " + field + ".channels " + n.channels() + " is not 1.." + MAX_WIDTH);
        }
        if (!attentionSizes.containsAll(n.attention()) || n.attention().size() != n.attention().stream().distinct().count()) {
            throw new CheckpointException(where + ": " + field + ".attention " + n.attention()
                    + " is not a set of this architecture's feature-map sizes " + attentionSizes);
        }
    }

    /**
     * {@code owner}'s "step" (named {@code field} in messages): a whole number of 0 or more, where
     * asLong would read "12" as 12 and 2^64 + 5 as 5.
     */
    private static long step(JsonNode owner, String field, String where) {
        JsonNode node = owner.path("step");
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 0) {
            throw new CheckpointException(where + ": " + field + " must be a whole number of 0 or more, got " + abbreviated(node));
        }
        return node.asLong();
    }

    private static String abbreviated(JsonNode node) {
        String text = node.isMissingNode() ? "nothing" : node.toString();
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
