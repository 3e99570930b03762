package dev.gantry.local;

import dev.gantry.storage.S3Settings;
import dev.gantry.testing.cluster.ClusterUnderTest;
import dev.gantry.transport.KafkaSettings;
import java.nio.file.Path;
import java.util.Map;

/** Local mode (embedded broker, S3Mock, one process per role) as a cluster under test. */
record LocalClusterUnderTest(LocalCluster cluster) implements ClusterUnderTest {
    @Override
    public KafkaSettings kafka() {
        return cluster.kafka();
    }

    @Override
    public S3Settings s3() {
        return cluster.s3().orElse(S3Settings.fromEnvironment());
    }

    @Override
    public Path logs() {
        return cluster.logs();
    }

    @Override
    public Map<String, Integer> exited() {
        return cluster.exited();
    }

    @Override
    public void kill(String role) throws InterruptedException {
        cluster.kill(role);
    }

    @Override
    public void close() {
        cluster.close();
    }
}
