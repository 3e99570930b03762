package dev.gantry.config;

/**
 * Ends a command with a status and a message for the user, printed once by {@link Commands}
 * (the way jbang's ExitException works): commands throw it instead of printing and returning.
 */
public class ExitException extends RuntimeException {
    private final int status;

    public ExitException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ExitException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The usual case: input the user must fix. */
    public static ExitException badInput(String message) {
        return new ExitException(ExitStatus.BAD_INPUT, message);
    }

    public int status() {
        return status;
    }
}
