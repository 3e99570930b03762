package dev.gantry.training;

import dev.gantry.training.TrainingState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * SHA-256 of a complete training state: every tensor (parameters, buffers, optimizer moments),
 * the step, the optimizer step counts and the spec's trajectory hash. Two states with the same
 * hash resume identically. Computed from the encoded checkpoint objects, whose layout is fixed.
 */
public final class StateHash {
    private StateHash() {}

    public static String of(TrainingState state) {
        return of(CheckpointCodec.encode(state), state);
    }

    static String of(Map<String, byte[]> encoded, TrainingState state) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(encoded.get(CheckpointCodec.MODEL));
            digest.update(encoded.get(CheckpointCodec.OPTIMIZER));
            String scalars = "step=" + state.step() + ";G.adam.step=" + state.generatorOptimizer().stepCount()
                    + ";D.adam.step=" + state.discriminatorOptimizer().stepCount()
                    + ";spec=" + state.spec().trajectoryHash();
            digest.update(scalars.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
