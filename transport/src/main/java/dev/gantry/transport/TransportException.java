package dev.gantry.transport;

/** Kafka could not be reached or refused an operation; the message says which and where. */
public class TransportException extends RuntimeException {
    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
