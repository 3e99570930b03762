package dev.gantry.failure;

/**
 * A task that can never succeed as it is written: a bad spec, a data set that is not what it
 * claims, a checkpoint that fails verification, a run that diverged. Retrying it on another worker
 * only repeats the failure, so workers park it at once with this message as the reason. Anything
 * not of this type is taken as transient (storage, network, a machine's trouble) and retried up
 * to the delivery limit: the opposite convention of Kafka's {@code RetriableException}, because
 * here the safe default is to try again.
 */
public abstract class PermanentException extends RuntimeException {
    protected PermanentException(String message) {
        super(message);
    }

    protected PermanentException(String message, Throwable cause) {
        super(message, cause);
    }
}
