package dev.gantry.tensorboard;

import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrialState;
import java.util.Optional;

/** Where sample grids of checkpoints come from: rendered from the store by the CLI, made up by tests. */
@FunctionalInterface
public interface SampleImages {
    /** An RGB PNG. */
    record Png(byte[] bytes, int width, int height) {}

    /** The checkpoint's sample grid; empty when the checkpoint is gone (retention) or cannot be read. */
    Optional<Png> render(TrialState trial, CheckpointRef checkpoint);
}
