package dev.gantry.testing.cluster;

import dev.gantry.storage.S3Settings;
import dev.gantry.transport.KafkaSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A running gantry cluster as a test sees it, whether its roles are local processes (local mode)
 * or containers (Testcontainers): how to reach its broker and store from the test, which roles
 * died on their own, and where their logs are.
 */
public interface ClusterUnderTest extends AutoCloseable {
    /** The broker, as reachable from the test. */
    KafkaSettings kafka();

    /** The object store, as reachable from the test. */
    S3Settings s3();

    /** One log file per role, named after it. */
    Path logs();

    /** Roles that exited without being told to, with their exit status: empty in a healthy cluster. */
    Map<String, Integer> exited();

    /** Kills a role at once (SIGKILL): it gets no chance to acknowledge, release or flush anything. */
    void kill(String role) throws Exception;

    /** The last lines of every role's log, for a failure message. */
    default String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        try (var files = Files.list(logs())) {
            for (Path f : files.sorted().toList()) {
                List<String> all = Files.readAllLines(f);
                out.append("--- ").append(f.getFileName()).append(" (end) ---\n")
                        .append(String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()))).append('\n');
            }
        } catch (IOException e) {
            out.append("logs in ").append(logs()).append(" unreadable: ").append(e.getMessage());
        }
        return out.toString();
    }
}
