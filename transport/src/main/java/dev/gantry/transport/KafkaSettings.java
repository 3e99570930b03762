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
        String protocol = clientProperties.getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
        if (protocol.startsWith("SASL_") && !clientProperties.containsKey("sasl.jaas.config")
                && System.getProperty("java.security.auth.login.config") == null) {  // a JAAS file (Kerberos) also serves
            // Kafka would fail later with a JAAS error that names neither gantry's variables nor the fix.
            throw new IllegalArgumentException("GANTRY_KAFKA_SECURITY_PROTOCOL=" + protocol + " needs credentials:"
                    + " set GANTRY_KAFKA_SASL_JAAS_CONFIG (for SCRAM: org.apache.kafka.common.security.scram."
                    + "ScramLoginModule required username=\"...\" password=\"...\";) and GANTRY_KAFKA_SASL_MECHANISM"
                    + " (e.g. SCRAM-SHA-512)");
        }
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
