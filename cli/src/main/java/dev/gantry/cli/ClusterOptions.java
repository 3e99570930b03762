package dev.gantry.cli;

import dev.gantry.transport.KafkaSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that talks to a running cluster shares. */
final class ClusterOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $GANTRY_KAFKA_BOOTSTRAP, the config file, localhost:9092)")
    String bootstrap;

    @Option(names = "--config", paramLabel = "FILE",
            description = "config file (default: $GANTRY_CONFIG or ~/.config/gantry/gantry.properties)")
    Path config;

    CliConfig config() {
        return CliConfig.load(config, System.getenv());
    }

    /** Kafka settings; other client properties (SASL, SSL) come from GANTRY_KAFKA_* variables. */
    KafkaSettings kafka() {
        CliConfig c = config();
        return KafkaSettings.from(c.bootstrap(bootstrap), System.getenv());
    }
}
