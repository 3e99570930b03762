package dev.gantry.local;

import dev.gantry.transport.KafkaSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in one node) running inside
 * this JVM on loopback ports, with its log in a directory. The same broker code as a
 * production cluster, from the kafka_2.13 artifact on Maven Central.
 *
 * <p>A single node cannot replicate: every internal topic (offsets, transactions, share-group
 * state) gets replication factor 1, or consumer and share groups wait forever for replicas.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Members one share group may have: training workers at most this many (Kafka caps the setting at 1000). */
    public static final int MAX_SHARE_GROUP_MEMBERS = 1000;

    private final KafkaRaftServer server;
    private final int port;

    private EmbeddedKafka(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Formats {@code logDir} if it is new (an existing one is reused, so a restarted local
     * cluster keeps its topics) and starts the broker.
     *
     * @param port 0 for any free port; a fixed port when clients must find it again after a restart
     */
    public static EmbeddedKafka start(Path logDir, int port, Map<String, String> overrides) throws IOException {
        int brokerPort = port != 0 ? port : freePort();
        int controllerPort = freePort();
        Files.createDirectories(logDir);
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");  // topics come from TopicSetup, with their configs
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "4");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Quick failure detection on one machine: a killed worker's task returns within seconds.
        p.put("group.share.min.record.lock.duration.ms", "1000");
        p.put("group.share.min.session.timeout.ms", "3000");
        p.put("group.share.session.timeout.ms", "6000");
        p.put("group.share.min.heartbeat.interval.ms", "500");
        p.put("group.share.heartbeat.interval.ms", "1000");
        p.put("group.consumer.min.session.timeout.ms", "3000");
        p.put("group.consumer.session.timeout.ms", "6000");
        p.put("group.consumer.min.heartbeat.interval.ms", "500");
        p.put("group.consumer.heartbeat.interval.ms", "1000");
        p.put("log.cleaner.backoff.ms", "1000");
        // Kafka's default admits 200 members to a share group: the 201st training worker could never
        // join. 1000 is the most Kafka allows (measured with 500 workers: `gantry bench runtime --simulated-workers`).
        p.put("group.share.max.size", String.valueOf(MAX_SHARE_GROUP_MEMBERS));
        p.putAll(overrides);

        KafkaConfig config = new KafkaConfig(p, false);
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            Formatter formatter = new Formatter()
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(logDir.toString())
                    .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                formatter.run();
            } catch (Exception e) {
                throw new IOException("formatting the Kafka log directory " + logDir + " failed: " + e.getMessage(), e);
            }
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        return new EmbeddedKafka(server, brokerPort);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public KafkaSettings settings() {
        return KafkaSettings.of(bootstrapServers());
    }

    public int port() {
        return port;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
