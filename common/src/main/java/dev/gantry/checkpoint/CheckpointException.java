package dev.gantry.checkpoint;

import dev.gantry.failure.PermanentException;

/** A checkpoint that is missing, incomplete, corrupt or incompatible; the message names the file. */
public class CheckpointException extends PermanentException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
