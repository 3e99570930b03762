package dev.gantry.failure;

/** A task message that contradicts itself or the state it names (a step without its start checkpoint). */
public final class BadTaskException extends PermanentException {
    public BadTaskException(String message) {
        super(message);
    }
}
