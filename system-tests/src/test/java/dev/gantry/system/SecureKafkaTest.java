package dev.gantry.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.gantry.proto.v1.CancelExperiment;
import dev.gantry.proto.v1.ExperimentCommand;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.TopicSetup;
import dev.gantry.transport.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Kafka with SASL/SCRAM over TLS, as README's "Kafka with SASL and TLS" configures gantry for it:
 * with the credentials and the broker's certificate gantry creates its topics and publishes and
 * reads messages; with a wrong password the error says the credentials were refused; with none,
 * gantry refuses to start and names the variable to set.
 */
class SecureKafkaTest {
    private static final String STORE_PASSWORD = "test-store-pass";

    @TempDir
    static Path dir;

    @BeforeAll
    static void requireDocker() {
        GantryContainers.requireDocker();
    }

    @Test
    void scramOverTlsWorksWithCredentialsAndSaysSoWithoutThem() throws Exception {
        Path keystore = dir.resolve("broker.p12");
        Path certificate = dir.resolve("broker.pem");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", STORE_PASSWORD,
                "-file", certificate.toString());
        int securePort = GantryContainers.freePort();
        int adminPort = GantryContainers.freePort();
        try (GenericContainer<?> kafka = new GenericContainer<>(DockerImageName.parse(GantryContainers.kafkaImage()))
                .withEnv(Map.ofEntries(
                        Map.entry("CLUSTER_ID", "gantrySecureTest00000A"),
                        Map.entry("KAFKA_PROCESS_ROLES", "broker,controller"),
                        Map.entry("KAFKA_NODE_ID", "1"),
                        Map.entry("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093"),
                        Map.entry("KAFKA_LISTENERS", "SASL_SSL://:9092,CONTROLLER://:9093,ADMIN://:9094"),
                        Map.entry("KAFKA_ADVERTISED_LISTENERS",
                                "SASL_SSL://127.0.0.1:" + securePort + ",ADMIN://127.0.0.1:" + adminPort),
                        Map.entry("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                                "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,ADMIN:PLAINTEXT"),
                        Map.entry("KAFKA_INTER_BROKER_LISTENER_NAME", "ADMIN"),
                        Map.entry("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                        Map.entry("KAFKA_SASL_ENABLED_MECHANISMS", "SCRAM-SHA-512"),
                        Map.entry("KAFKA_LISTENER_NAME_SASL__SSL_SCRAM___SHA___512_SASL_JAAS_CONFIG",
                                "org.apache.kafka.common.security.scram.ScramLoginModule required;"),
                        Map.entry("KAFKA_SSL_KEYSTORE_LOCATION", "/etc/kafka/secrets/broker.p12"),
                        Map.entry("KAFKA_SSL_KEYSTORE_TYPE", "PKCS12"),
                        Map.entry("KAFKA_SSL_KEYSTORE_PASSWORD", STORE_PASSWORD),
                        Map.entry("KAFKA_SSL_KEY_PASSWORD", STORE_PASSWORD),
                        Map.entry("KAFKA_LOG_DIRS", "/tmp/kraft-combined-logs"),
                        Map.entry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
                        Map.entry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
                        Map.entry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"),
                        Map.entry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1"),
                        Map.entry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1"),
                        Map.entry("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0"),
                        Map.entry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")))
                .withCopyFileToContainer(MountableFile.forHostPath(keystore, 0644), "/etc/kafka/secrets/broker.p12")
                .withExposedPorts(9092, 9094)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                        new PortBinding(Ports.Binding.bindPort(securePort), new ExposedPort(9092)),
                        new PortBinding(Ports.Binding.bindPort(adminPort), new ExposedPort(9094))))
                .waitingFor(Wait.forListeningPorts(9092, 9094).withStartupTimeout(Duration.ofMinutes(3)))) {
            kafka.start();
            // The operator's part: a SCRAM user, created over the broker's own admin listener.
            Properties admin = new Properties();
            admin.put("bootstrap.servers", "127.0.0.1:" + adminPort);
            try (Admin client = Admin.create(admin)) {
                client.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("gantry",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "gantry-secret"))).all().get();
            }

            KafkaSettings secure = secure(securePort, certificate, "gantry-secret");
            TopicSetup.ensure(secure, new TopicSetup.Layout(1, (short) 1, 15_000));
            ExperimentCommand sent = ExperimentCommand.newBuilder().setExperimentId("secure-1")
                    .setCancel(CancelExperiment.newBuilder().setReason("over TLS")).build();
            try (Publisher publisher = new Publisher(secure, "secure-test")) {
                publisher.sendAndWait(Topics.EXPERIMENT_COMMANDS, "secure-1", sent);
            }
            List<ConsumerRecord<String, byte[]>> read = new ArrayList<>();
            TopicReplay.replay(secure, "secure-test-reader", List.of(Topics.EXPERIMENT_COMMANDS), read::add);
            assertEquals(1, read.size());
            assertEquals(sent, ExperimentCommand.parseFrom(read.get(0).value()));

            KafkaSettings wrong = secure(securePort, certificate, "not-the-password");
            Exception refused = assertThrows(Exception.class, () -> {
                try (Publisher publisher = new Publisher(wrong, "wrong-password")) {
                    publisher.sendAndWait(Topics.EXPERIMENT_COMMANDS, "secure-1", sent);
                }
            });
            assertTrue(messages(refused).contains("Authentication failed"), messages(refused));

            IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> KafkaSettings.from(
                    "127.0.0.1:" + securePort, Map.of("GANTRY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")));
            assertTrue(none.getMessage().contains("GANTRY_KAFKA_SASL_JAAS_CONFIG"), none.getMessage());
        }
    }

    /** What the README's GANTRY_KAFKA_* variables give: SASL_SSL, SCRAM-SHA-512, the broker's CA as PEM. */
    private static KafkaSettings secure(int port, Path certificate, String password) {
        return KafkaSettings.from("127.0.0.1:" + port, Map.of(
                "GANTRY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "GANTRY_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "GANTRY_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"gantry\" password=\"" + password + "\";",
                "GANTRY_KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
                "GANTRY_KAFKA_SSL_TRUSTSTORE_LOCATION", certificate.toString()));
    }

    private static String messages(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            out.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" / ");
        }
        return out.toString();
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "keytool " + String.join(" ", args) + ": " + out);
    }
}
