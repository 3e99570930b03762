package dev.gantry.storage;

/** A store that cannot be reached or used; the message names the store and key. */
public final class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
