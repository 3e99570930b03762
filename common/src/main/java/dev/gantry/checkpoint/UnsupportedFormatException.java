package dev.gantry.checkpoint;

/**
 * A checkpoint written in a format this gantry does not know (a newer writer's, during a rolling
 * upgrade): not corrupt, so it is never quarantined; it just cannot be read here.
 */
public final class UnsupportedFormatException extends CheckpointException {
    public UnsupportedFormatException(String message) {
        super(message);
    }
}
