package dev.gantry.data;

import dev.gantry.failure.PermanentException;

/** A dataset that cannot be read; the message names the file or directory and what to do. */
public final class DatasetException extends PermanentException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
