package dev.gantry.observability;

import dev.gantry.config.ExitException;
import picocli.CommandLine.Option;

/** {@code --metrics-port}: where a long-running process serves Prometheus metrics (off when absent). */
public final class MetricsOptions {
    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "serve Prometheus metrics on http://0.0.0.0:PORT/metrics (default: $GANTRY_METRICS_PORT, else off)")
    Integer port;

    /** The port given by flag or environment, validated; null when metrics are off. */
    public Integer port() {
        Integer p = port;
        String env = System.getenv("GANTRY_METRICS_PORT");
        if (p == null && env != null && !env.isBlank()) {
            try {
                p = Integer.parseInt(env.trim());
            } catch (NumberFormatException e) {
                throw ExitException.badInput("GANTRY_METRICS_PORT must be a port number (got '" + env + "')");
            }
        }
        if (p != null && (p < 0 || p > 65535)) {
            throw ExitException.badInput("--metrics-port must be 0..65535 (got " + p + ")");
        }
        return p;
    }
}
