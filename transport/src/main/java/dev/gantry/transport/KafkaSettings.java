package dev.gantry.transport;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where Kafka is and how to talk to it. Any Kafka client property can be passed through, so
 * managed clusters with SASL/SSL work: environment variables GANTRY_KAFKA_&lt;PROPERTY&gt; become
 * client properties (GANTRY_KAFKA_SECURITY_PROTOCOL=SASL_SSL -> security.protocol=SASL_SSL).
 *
 * @param bootstrapServers host:port[,host:port...]
 * @param clientProperties extra properties given to every producer, consumer and admin client
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> clientProperties) {
    public static final String BOOTSTRAP_ENV = "GANTRY_KAFKA_BOOTSTRAP";
    private static final String PROPERTY_ENV_PREFIX = "GANTRY_KAFKA_";

    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka bootstrap servers: none given (--bootstrap or " + BOOTSTRAP_ENV + ")");
        }
        for (String server : bootstrapServers.split(",")) {
            if (!server.trim().matches("[^:\\s]+:\\d{1,5}")) {
                throw new IllegalArgumentException("Kafka bootstrap servers: '" + server.trim() + "' is not host:port");
            }
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    public static KafkaSettings of(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of());
    }

    /** @param bootstrapFlag a --bootstrap value, or null to use the environment (default localhost:9092) */
    public static KafkaSettings from(String bootstrapFlag, Map<String, String> env) {
        String bootstrap = bootstrapFlag != null ? bootstrapFlag : env.getOrDefault(BOOTSTRAP_ENV, "localhost:9092");
        Map<String, String> props = new TreeMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith(PROPERTY_ENV_PREFIX) && !e.getKey().equals(BOOTSTRAP_ENV)) {
                props.put(e.getKey().substring(PROPERTY_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        e.getValue());
            }
        }
        return new KafkaSettings(bootstrap, props);
    }

    /** Properties for a client: bootstrap servers, pass-through properties, then the role's own. */
    public Properties properties(Map<String, Object> roleProperties) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.putAll(clientProperties);
        p.putAll(roleProperties);
        return p;
    }
}
