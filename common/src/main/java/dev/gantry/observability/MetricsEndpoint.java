package dev.gantry.observability;

import dev.gantry.config.ExitException;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process's Prometheus endpoint: {@code /metrics} on the given port, serving the JVM's own
 * metrics, the process's native memory and whatever the role registered in the default registry.
 * Off (a no-op) when no port is given, so every role can open one unconditionally.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static boolean processMetricsRegistered;
    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /** Serves /metrics on {@code port}; null serves nothing. A port in use is a clear error naming it. */
    public static MetricsEndpoint start(Integer port, String role) {
        if (port == null) {
            return new MetricsEndpoint(null);
        }
        registerProcessMetrics();
        try {
            HTTPServer server = HTTPServer.builder().port(port).registry(PrometheusRegistry.defaultRegistry).buildAndStart();
            log.info("{}: Prometheus metrics on http://0.0.0.0:{}/metrics", role, server.getPort());
            return new MetricsEndpoint(server);
        } catch (IOException e) {
            throw ExitException.badInput("--metrics-port " + port + ": cannot listen (" + e.getMessage() + ")");
        }
    }

    /** The port actually bound (useful with port 0), or -1 when off. */
    public int port() {
        return server == null ? -1 : server.getPort();
    }

    private static synchronized void registerProcessMetrics() {
        if (processMetricsRegistered) {
            return;
        }
        JvmMetrics.builder().register();
        // libtorch allocates outside the JVM: what the process holds beyond the JVM's committed
        // heap and non-heap is, to a good approximation, the engine's (and the allocator's) memory.
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("gantry_native_memory_bytes")
                .help("Resident memory beyond the JVM's committed heap and non-heap: mostly libtorch's")
                .callback(cb -> {
                    long rss = residentBytes();
                    if (rss > 0) {
                        cb.call(Math.max(0, rss - memory.getHeapMemoryUsage().getCommitted()
                                - memory.getNonHeapMemoryUsage().getCommitted()));
                    }
                }).register();
        processMetricsRegistered = true;
    }

    /** VmRSS from /proc/self/status (Linux); -1 elsewhere. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
