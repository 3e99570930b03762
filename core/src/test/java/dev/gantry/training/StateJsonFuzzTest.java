package dev.gantry.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.Mutations;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Thousands of mutated state.json files through everything decode reads from them before it
 * allocates the networks (version, spec, model config, class names, step counts, a fork's lineage):
 * only the checkpoint module's CheckpointException is accepted. Needs no engine.
 */
class StateJsonFuzzTest {
    private static final byte[] VALID;

    static {
        try {
            VALID = StateJsons.JSON.writeValueAsBytes(StateJsons.forked());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String[] FIELDS = {"version", "step", "spec", "classNames", "model", "optimizers", "/model/imageSize",
            "/model/imageChannels", "/model/numClasses", "/model/zDim", "/model/bnMomentum", "/model/attentionKind",
            "/model/generator", "/model/generator/channels", "/model/generator/attention", "/model/discriminator/attention",
            "/model/discriminator/spectralNorm", "/optimizers/G/step", "/optimizers/D", "lineage", "/lineage/version",
            "/lineage/links", "/lineage/links/0/fromStep", "/lineage/links/0/spec", "/lineage/links/0/seed",
            "/lineage/links/0/overrides", "/lineage/links/0/parent"};

    private static JsonNode lie(SplittableRandom random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        JsonNode[] lies = {f.nullNode(), f.numberNode(-1), f.numberNode(0), f.numberNode(1), f.numberNode(3),
                f.numberNode(Integer.MAX_VALUE), f.numberNode(Long.MAX_VALUE), f.numberNode(new java.math.BigInteger("99999999999999999999")),
                f.numberNode(Double.NaN), f.numberNode(1e300), f.numberNode(0.5), f.textNode(""), f.textNode("12"),
                f.textNode("name: [unclosed"), f.textNode("SELF_ATTENTION"), f.textNode("bogus"), f.booleanNode(true),
                f.objectNode(), f.arrayNode(), f.arrayNode().add(16).add(16), f.arrayNode().add(8), f.arrayNode().add("x")};
        return lies[random.nextInt(lies.length)];
    }

    /** The valid state with a few fields (top-level or inside the model config) replaced by lies. */
    private static byte[] lyingState(SplittableRandom random) throws Exception {
        ObjectNode root = StateJsons.forked();
        for (int e = 0, n = 1 + random.nextInt(3); e < n; e++) {
            String field = FIELDS[random.nextInt(FIELDS.length)];
            if (!field.startsWith("/")) {
                root.set(field, lie(random));
                continue;
            }
            int cut = field.lastIndexOf('/');
            JsonNode parent = root.at(field.substring(0, cut));
            if (parent instanceof ObjectNode o) {
                o.set(field.substring(cut + 1), lie(random));
            }
        }
        return StateJsons.JSON.writeValueAsBytes(root);
    }

    @Property(tries = 2000, seed = "20261201")
    void mutatedStatesAreReadOrRefusedWithACheckpointError(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = random.nextBoolean() ? lyingState(random) : Mutations.mutate(VALID, random, edits);
        try {
            CheckpointCodec.state(Map.of(CheckpointCodec.STATE, bytes), "fuzz");
        } catch (CheckpointException expected) {
            // the checkpoint module's own error
        }
    }
}
