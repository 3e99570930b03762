package dev.gantry.data;

/**
 * A data set that could not be fetched right now (a download failed): unlike {@link
 * DatasetException} it says nothing about the task, so workers retry it, perhaps elsewhere.
 */
public final class DatasetUnavailableException extends RuntimeException {
    public DatasetUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
