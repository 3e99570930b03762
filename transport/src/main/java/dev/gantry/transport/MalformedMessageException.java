package dev.gantry.transport;

/** A record whose value is not the message its topic carries; names topic, partition and offset. */
public final class MalformedMessageException extends TransportException {
    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
