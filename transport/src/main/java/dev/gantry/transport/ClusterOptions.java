package dev.gantry.transport;

import dev.gantry.config.ClusterConfig;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every command that talks to a running cluster shares. */
public final class ClusterOptions {
    /** Errors of configuration and connection, which the user fixes: for {@link dev.gantry.config.Commands}. */
    public static final List<Class<? extends Exception>> CONNECTION_ERRORS = List.of(TransportException.class,
            org.apache.kafka.common.KafkaException.class);

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $GANTRY_KAFKA_BOOTSTRAP, the config file, localhost:9092)")
    public String bootstrap;

    @Option(names = "--config", paramLabel = "FILE",
            description = "config file (default: $GANTRY_CONFIG or ~/.config/gantry/gantry.properties)")
    Path config;

    public ClusterConfig config() {
        return ClusterConfig.load(config, System.getenv());
    }

    /** The bootstrap servers after the precedence flag, environment, config file, default. */
    public String bootstrapServers() {
        return config().bootstrap(bootstrap);
    }

    /** Kafka settings; other client properties (SASL, SSL) come from GANTRY_KAFKA_* variables. */
    public KafkaSettings kafka() {
        return KafkaSettings.from(bootstrapServers(), System.getenv());
    }
}
