package dev.gantry.checkpoint;

/** A checkpoint that is missing, incomplete, corrupt or incompatible; the message names the file. */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
