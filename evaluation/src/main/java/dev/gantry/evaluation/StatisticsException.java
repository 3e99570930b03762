package dev.gantry.evaluation;

/** Statistics that cannot be used (unreadable file, wrong shapes, NaN, asymmetric covariance); names the source. */
public final class StatisticsException extends RuntimeException {
    public StatisticsException(String message) {
        super(message);
    }

    public StatisticsException(String message, Throwable cause) {
        super(message, cause);
    }
}
