package dev.gantry.system;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.gantry.testing.cluster.ClusterUnderTest;
import dev.gantry.transport.KafkaSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A gantry deployment in containers, like docker-compose.yml: Kafka (apache/kafka or a compatible
 * image), an S3 server (adobe/s3mock or compatible), and gantry roles from the project's image,
 * on one Docker network. Image names: $GANTRY_KAFKA_IMAGE / $OFFLINE_KAFKA_IMAGE and
 * $GANTRY_S3_IMAGE / $OFFLINE_S3MOCK_IMAGE, defaulting to the public images.
 */
final class GantryContainers implements ClusterUnderTest {
    static final String BUCKET = "gantry";
    private final Network network = Network.newNetwork();
    private final KafkaContainer kafka;
    private final GenericContainer<?> s3;
    private final Map<String, GenericContainer<?>> roles = new LinkedHashMap<>();
    private final Path logs;
    private final int kafkaHostPort;

    GantryContainers(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
        kafkaHostPort = freePort();
        kafka = new KafkaContainer(DockerImageName.parse(image("GANTRY_KAFKA_IMAGE", "OFFLINE_KAFKA_IMAGE",
                "apache/kafka:4.3.1")).asCompatibleSubstituteFor("apache/kafka"))
                .withNetwork(network).withNetworkAliases("kafka").withListener("kafka:19092")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS", "1000")
                .withEnv("KAFKA_GROUP_SHARE_MIN_SESSION_TIMEOUT_MS", "3000")
                .withEnv("KAFKA_GROUP_SHARE_SESSION_TIMEOUT_MS", "6000")
                .withEnv("KAFKA_GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS", "500")
                .withEnv("KAFKA_GROUP_SHARE_HEARTBEAT_INTERVAL_MS", "1000")
                .withEnv("KAFKA_GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS", "3000")
                .withEnv("KAFKA_GROUP_CONSUMER_SESSION_TIMEOUT_MS", "6000")
                .withEnv("KAFKA_GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS", "500")
                .withEnv("KAFKA_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000")
                // a fixed host port: clients on the host find the broker again after a restart
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                        new PortBinding(Ports.Binding.bindPort(kafkaHostPort), new ExposedPort(9092))))
                .withLogConsumer(frame -> append("kafka", frame));
        s3 = new GenericContainer<>(DockerImageName.parse(image("GANTRY_S3_IMAGE", "OFFLINE_S3MOCK_IMAGE",
                "adobe/s3mock:5.2.0"))).withNetwork(network).withNetworkAliases("s3").withExposedPorts(9090)
                .withLogConsumer(frame -> append("s3", frame));
        kafka.start();
        s3.start();
    }

    /**
     * For a test class's @BeforeAll: skips without a Docker daemon, except where CI prepared one
     * and says so (GANTRY_REQUIRE_DOCKER=1): there a missing daemon fails, never skips.
     */
    static void requireDocker() {
        if ("1".equals(System.getenv("GANTRY_REQUIRE_DOCKER"))) {
            org.junit.jupiter.api.Assertions.assertTrue(dockerAvailable(),
                    "GANTRY_REQUIRE_DOCKER=1 but no Docker daemon is reachable");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(dockerAvailable(),
                "Docker is not available here (no daemon reachable): the container system tests need it; "
                        + "../shared/offline-docker/prepare.sh installs and starts one");
    }

    static boolean dockerAvailable() {
        if (System.getenv("DOCKER_SERVER_API_VERSION") != null && System.getProperty("api.version") == null) {
            System.setProperty("api.version", System.getenv("DOCKER_SERVER_API_VERSION"));
        }
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /** The Kafka image the tests run: $GANTRY_KAFKA_IMAGE, the offline stand-in, else apache/kafka. */
    static String kafkaImage() {
        return image("GANTRY_KAFKA_IMAGE", "OFFLINE_KAFKA_IMAGE", "apache/kafka:4.3.1");
    }

    private static String image(String override, String offline, String fallback) {
        return Optional.ofNullable(System.getenv(override)).or(() -> Optional.ofNullable(System.getenv(offline)))
                .orElse(fallback);
    }

    KafkaSettings hostKafka() {
        return KafkaSettings.of(kafka.getBootstrapServers());
    }

    dev.gantry.storage.S3Settings hostS3() {
        return new dev.gantry.storage.S3Settings(Optional.of(URI.create("http://" + s3.getHost() + ":"
                + s3.getMappedPort(9090))), "us-east-1", true, Optional.of("test"), Optional.of("test"));
    }

    /** Starts a gantry role ("coordinator", "worker train", ...) as container {@code name}. */
    GenericContainer<?> start(String name, List<String> command, Map<String, String> extraEnv, Path bind)
            throws IOException {
        return start(name, GantryImage.get(), command, extraEnv, bind);
    }

    private GenericContainer<?> start(String name, org.testcontainers.images.builder.ImageFromDockerfile image,
            List<String> command, Map<String, String> extraEnv, Path bind) {
        GenericContainer<?> c = new GenericContainer<>(image).withNetwork(network).withNetworkAliases(name)
                .withEnv("GANTRY_KAFKA_BOOTSTRAP", "kafka:19092")
                .withEnv("GANTRY_S3_ENDPOINT", "http://s3:9090")
                .withEnv("GANTRY_S3_PATH_STYLE", "true")
                .withEnv("AWS_ACCESS_KEY_ID", "test").withEnv("AWS_SECRET_ACCESS_KEY", "test")
                .withEnv("GANTRY_STORE", "s3://" + BUCKET + "/")
                .withEnv("GANTRY_JAVA_OPTS", "-Xss4m -Xms32m -Xmx1g -Dai.djl.offline=true "
                        + "-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn")
                .withEnv(extraEnv).withCommand(command.toArray(String[]::new))
                .withLogConsumer(frame -> append(name, frame));
        if (bind != null) {
            c = c.withFileSystemBind(bind.toString(), "/featurenet", BindMode.READ_ONLY);
        }
        c.start();
        roles.put(name, c);
        return c;
    }

    GenericContainer<?> coordinator() throws IOException {
        return start("coordinator", GantryImage.coordinator(), List.of("--partitions", "2", "--lock-ms", "3000"),
                Map.of("GANTRY_JAVA_OPTS", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info "
                        + "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn"), null);
    }

    GenericContainer<?> trainWorker(String name, int threads) throws IOException {
        return start(name, List.of("worker", "train", "--worker-id", name, "--threads", String.valueOf(threads)),
                Map.of(), null);
    }

    /** docker kill: SIGKILL, the container's process gets no chance to clean up. */
    @Override
    public void kill(String name) {
        GenericContainer<?> c = roles.remove(name);
        DockerClientFactory.instance().client().killContainerCmd(c.getContainerId()).exec();
        c.stop();
    }

    /** docker restart of the broker: same container, same log directory, same host port. */
    void restartKafka() {
        DockerClientFactory.instance().client().restartContainerCmd(kafka.getContainerId()).withTimeout(10).exec();
    }

    @Override
    public KafkaSettings kafka() {
        return hostKafka();
    }

    @Override
    public dev.gantry.storage.S3Settings s3() {
        return hostS3();
    }

    /** Containers that stopped without {@link #kill}: their exit codes. */
    @Override
    public Map<String, Integer> exited() {
        Map<String, Integer> out = new LinkedHashMap<>();
        roles.forEach((n, c) -> {
            if (!c.isRunning()) {
                Long code = DockerClientFactory.instance().client().inspectContainerCmd(c.getContainerId()).exec()
                        .getState().getExitCodeLong();
                out.put(n, code == null ? -1 : code.intValue());
            }
        });
        return out;
    }

    @Override
    public Path logs() {
        return logs;
    }

    private void append(String name, OutputFrame frame) {
        try {
            Files.writeString(logs.resolve(name + ".log"), frame.getUtf8String(), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // logs are a diagnostic aid; a test never depends on them
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        List<GenericContainer<?>> all = new ArrayList<>(roles.values());
        all.forEach(GenericContainer::stop);
        s3.stop();
        kafka.stop();
        network.close();
    }
}
