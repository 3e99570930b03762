package dev.gantry.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.checkpoint.CheckpointException;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where an older checkpoint format is brought up to the current one before it is decoded: one
 * step per version (N to N+1), applied in order, to the checkpoint's objects. Version 1 is the
 * only format so far, so there is no step yet; the day version 2 exists, its step from 1 goes
 * into {@link #STEPS} and checkpoints written before keep loading.
 */
final class CheckpointMigrations {
    /** Upgrades from version key to key + 1. */
    private static final Map<Integer, UnaryOperator<Map<String, byte[]>>> STEPS = Map.of();

    private CheckpointMigrations() {}

    /** The objects in the current format; {@code version} is the one their state.json declares. */
    static Map<String, byte[]> toCurrent(Map<String, byte[]> files, JsonNode stateJson, String location) {
        int version = stateJson.path("version").asInt(-1);
        if (version < 1 || version > CheckpointCodec.STATE_VERSION) {
            throw new CheckpointException(location + "/" + CheckpointCodec.STATE + ": unsupported or missing format version "
                    + (version < 0 ? "(none)" : version) + "; this gantry reads 1.." + CheckpointCodec.STATE_VERSION);
        }
        Map<String, byte[]> current = files;
        for (int v = version; v < CheckpointCodec.STATE_VERSION; v++) {
            current = STEPS.get(v).apply(current);
        }
        return current;
    }
}
