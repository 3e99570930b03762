package dev.gantry.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {
    @Test
    void theFlagWinsOverTheEnvironmentAndGantryKafkaVariablesBecomeClientProperties() {
        Map<String, String> env = Map.of("GANTRY_KAFKA_BOOTSTRAP", "env:9092",
                "GANTRY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "GANTRY_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "GANTRY_KAFKA_SASL_JAAS_CONFIG", "jaas", "KAFKA_UNRELATED", "x");
        KafkaSettings fromEnv = KafkaSettings.from(null, env);
        assertEquals("env:9092", fromEnv.bootstrapServers());
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", "jaas"),
                fromEnv.clientProperties());
        assertEquals("flag:9092", KafkaSettings.from("flag:9092", env).bootstrapServers());
        assertEquals("localhost:9092", KafkaSettings.from(null, Map.of()).bootstrapServers());
        assertEquals("earliest", fromEnv.properties(Map.of("auto.offset.reset", "earliest")).get("auto.offset.reset"),
                "a role's own properties are added last");
    }

    @Test
    void saslWithoutCredentialsIsRefusedNamingTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KafkaSettings.from(null,
                Map.of("GANTRY_KAFKA_SECURITY_PROTOCOL", "sasl_ssl", "GANTRY_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")));
        assertTrue(e.getMessage().contains("GANTRY_KAFKA_SASL_JAAS_CONFIG"), e.getMessage());
        String before = System.getProperty("java.security.auth.login.config");
        System.setProperty("java.security.auth.login.config", "/etc/gantry/kafka-jaas.conf");  // Kerberos and the like
        try {
            assertEquals("SASL_SSL", KafkaSettings.from(null, Map.of("GANTRY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"))
                    .clientProperties().get("security.protocol"));
        } finally {
            if (before == null) {
                System.clearProperty("java.security.auth.login.config");
            } else {
                System.setProperty("java.security.auth.login.config", before);
            }
        }
    }
}
