package dev.gantry.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.spec.AttentionKind;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A validated experiment spec. Build one with {@link SpecLoader}. */
public record ExperimentSpec(String name, DatasetSpec dataset, ModelSpec model, TrainingSpec training) {

    /**
     * The model part of the spec, before the dataset supplies image channels and class count.
     */
    public record ModelSpec(
            int imageSize, int zDim, NetworkConfig generator, NetworkConfig discriminator,
            AttentionKind attentionKind, double bnMomentum) {

        public ModelConfig resolve(int imageChannels, int numClasses) {
            return new ModelConfig(imageSize, imageChannels, numClasses, zDim, generator, discriminator,
                    attentionKind, bnMomentum);
        }
    }

    /** The same spec with a different trial length (the only field that does not change the trajectory). */
    public ExperimentSpec withSteps(long steps) {
        return new ExperimentSpec(name, dataset, model, training.withSteps(steps));
    }

    /**
     * SHA-256 of every field that changes what training computes. The name, the total step count
     * and the dataset's location are left out: renaming an experiment, extending a trial or moving
     * the data must not stop a resume.
     */
    public String trajectoryHash() {
        ObjectMapper mapper = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        ObjectNode root = mapper.createObjectNode();
        root.put("dataset.kind", dataset.kind());
        root.put("dataset.split", dataset.split());
        root.put("dataset.channels", dataset.channels());
        root.set("model", mapper.valueToTree(model));
        ObjectNode t = mapper.valueToTree(training);
        t.remove("steps");
        if (!training.hasEma()) {
            t.remove("ema");  // specs from before the EMA generator keep their hash, so their checkpoints resume
        }
        root.set("training", t);
        try {
            byte[] canonical = mapper.writeValueAsString(mapper.treeToValue(root, java.util.TreeMap.class))
                    .getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
