package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.checkpoint.CheckpointException;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** state.json fields that are damaged or forged: a CheckpointException naming the field, before any network is built. */
class StateJsonTest {
    private static Map<String, byte[]> files(Consumer<ObjectNode> damage) throws Exception {
        ObjectNode state = StateJsons.valid();
        damage.accept(state);
        return Map.of(CheckpointCodec.STATE, StateJsons.JSON.writeValueAsBytes(state));
    }

    private static void refused(Consumer<ObjectNode> damage, String message) throws Exception {
        Map<String, byte[]> files = files(damage);
        try (NDManager manager = NDManager.newBaseManager()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointCodec.decode(files, manager, "ckpt"));
            assertTrue(e.getMessage().startsWith("ckpt/state.json") && e.getMessage().contains(message), e.getMessage());
        }
    }

    @Test
    void theUndamagedStateReadsBack() throws Exception {
        StateJson state = CheckpointCodec.state(files(s -> { }), "ckpt");
        assertEquals(10, state.config().numClasses());
        assertEquals(4, state.step());
    }

    /**
     * Each was a raw exception from TrainingState, the engine or the spec loader: an
     * IllegalArgumentException for a class count that disagrees with the names, a
     * SpecException for a damaged embedded spec, networks built from any numbers at all.
     */
    @Test
    void damagedFieldsAreCheckpointErrorsNamingTheField() throws Exception {
        refused(s -> ((ObjectNode) s.get("model")).put("numClasses", 11), "model.numClasses is 11 but 10 class names");
        refused(s -> s.remove("classNames"), "classNames must be");
        refused(s -> s.withArray("classNames").set(3, 7), "classNames[3] is not a name");
        refused(s -> ((ObjectNode) s.get("model")).put("imageSize", 48), "model.imageSize 48");
        refused(s -> ((ObjectNode) s.get("model")).put("zDim", 0), "model.zDim 0");
        refused(s -> ((ObjectNode) s.get("model")).put("imageChannels", -2), "model.imageChannels -2");
        refused(s -> ((ObjectNode) s.get("model").get("generator")).put("channels", 1 << 20), "model.generator.channels 1048576");
        refused(s -> ((ObjectNode) s.get("model").get("discriminator")).putArray("attention").add(3), "model.discriminator.attention [3]");
        refused(s -> ((ObjectNode) s.get("model")).putNull("generator"), "model must hold");
        refused(s -> s.put("spec", "name: [unclosed"), "its spec is not valid");
        refused(s -> s.put("spec", 5), "spec must be");
        refused(s -> s.put("step", "4"), "step must be a whole number");
        refused(s -> s.withObject("/optimizers/D").put("step", -1), "optimizers.D.step must be a whole number");
    }
}
