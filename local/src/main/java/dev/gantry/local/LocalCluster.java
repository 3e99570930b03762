package dev.gantry.local;

import dev.gantry.coordinator.CoordinatorCommand;
import dev.gantry.storage.S3ObjectStore;
import dev.gantry.storage.S3Settings;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.TopicSetup;
import dev.gantry.worker.WorkerCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Everything of a gantry cluster on one machine: an embedded KRaft broker and (optionally) an
 * S3Mock server, then the coordinator and each worker as its own JVM process, exactly as they
 * run in production, so killing one is a real crash. Logs go to {@code <dir>/logs}.
 */
public final class LocalCluster implements AutoCloseable {
    public static final String BUCKET = "gantry";

    /**
     * @param dir working directory: broker log, S3 data, checkpoints (directory store), logs
     * @param s3 true: checkpoints in S3Mock over the S3 API; false: in {@code dir/store}
     * @param workerThreads PyTorch threads per worker process (results are reproducible per count)
     * @param featurenetDir fmnist-cnn-v1 weights for eval workers (trained on first use if absent)
     * @param cacheDir datasets and reference statistics
     * @param lockMs how long a worker may hold a task without renewing it
     * @param metricsPort Prometheus endpoints: the coordinator's on this port, each worker's on the
     *     next ones in start order; 0 picks free ports; null serves none
     */
    public record Options(Path dir, boolean s3, int workerThreads, Path featurenetDir, Path cacheDir, int lockMs,
            List<String> workerJvmOptions, Integer metricsPort) {
        public Options {
            if (workerThreads < 1) {
                throw new IllegalArgumentException("worker threads must be at least 1 (got " + workerThreads + ")");
            }
            if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
                throw new IllegalArgumentException("metrics port must be 0..65535 (got " + metricsPort + ")");
            }
        }

        /** Without metrics endpoints. */
        public Options(Path dir, boolean s3, int workerThreads, Path featurenetDir, Path cacheDir, int lockMs,
                List<String> workerJvmOptions) {
            this(dir, s3, workerThreads, featurenetDir, cacheDir, lockMs, workerJvmOptions, null);
        }
    }

    private final Options options;
    private volatile EmbeddedKafka kafka;
    private final S3MockServer s3mock;
    private final String storeRoot;
    private final Map<String, Process> processes = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Integer> metricsPorts = Collections.synchronizedMap(new LinkedHashMap<>());
    private int trainCount;
    private int evalCount;

    private LocalCluster(Options options, EmbeddedKafka kafka, S3MockServer s3mock, String storeRoot) {
        this.options = options;
        this.kafka = kafka;
        this.s3mock = s3mock;
        this.storeRoot = storeRoot;
    }

    /** Starts the broker, the store and the coordinator (workers are added with {@link #addTrainWorker}). */
    public static LocalCluster start(Options options) throws IOException, InterruptedException {
        Files.createDirectories(options.dir().resolve("logs"));
        EmbeddedKafka kafka = EmbeddedKafka.start(options.dir().resolve("kafka"), 0, Map.of());
        S3MockServer s3mock = null;
        String storeRoot;
        try {
            if (options.s3()) {
                s3mock = S3MockServer.start(Files.createDirectories(options.dir().resolve("s3")));
                try (S3ObjectStore store = new S3ObjectStore(s3mock.settings(), BUCKET)) {
                    store.createBucketIfMissing();
                }
                storeRoot = "s3://" + BUCKET + "/";
            } else {
                storeRoot = Files.createDirectories(options.dir().resolve("store")).toAbsolutePath().normalize() + "/";
            }
            TopicSetup.ensure(kafka.settings(), new TopicSetup.Layout(2, (short) 1, options.lockMs()));
        } catch (IOException | RuntimeException e) {
            if (s3mock != null) {
                s3mock.close();
            }
            kafka.close();
            throw e;
        }
        LocalCluster cluster = new LocalCluster(options, kafka, s3mock, storeRoot);
        cluster.startCoordinator();
        return cluster;
    }

    /**
     * Stops the broker and starts it again on the same port and log directory, as a broker
     * restart in production: clients reconnect, nothing committed is lost.
     */
    public synchronized void restartBroker() throws IOException {
        int port = kafka.port();
        kafka.close();
        kafka = EmbeddedKafka.start(options.dir().resolve("kafka"), port, Map.of());
    }

    public KafkaSettings kafka() {
        return kafka.settings();
    }

    public Optional<S3Settings> s3() {
        return Optional.ofNullable(s3mock).map(S3MockServer::settings);
    }

    public String storeRoot() {
        return storeRoot;
    }

    public Path logs() {
        return options.dir().resolve("logs");
    }

    public void startCoordinator() throws IOException {
        startCoordinator("coordinator");
    }

    /** Another coordinator process (tests of fencing: the newest one takes over). */
    public void startCoordinator(String name) throws IOException {
        spawn(name, CoordinatorCommand.class.getName(), List.of("--bootstrap", kafka.bootstrapServers(),
                "--store", storeRoot, "--partitions", "2", "--lock-ms", String.valueOf(options.lockMs())));
    }

    public String addTrainWorker() throws IOException {
        return addTrainWorker(List.of());
    }

    /**
     * A training worker that prepares for the spec's trials (its data sets, a few throwaway steps
     * of each model) before it takes a task, as {@code gantry worker train --warm SPEC} does.
     */
    public String addTrainWorker(Path warmSpec) throws IOException {
        return addTrainWorker(List.of("--warm", warmSpec.toAbsolutePath().toString()));
    }

    private String addTrainWorker(List<String> extraArgs) throws IOException {
        String name = "train-" + (++trainCount);
        List<String> args = new ArrayList<>(workerArgs("train", name));
        args.addAll(extraArgs);
        spawn(name, WorkerCommand.class.getName(), args);
        return name;
    }

    public String addEvalWorker() throws IOException {
        String name = "eval-" + (++evalCount);
        spawn(name, WorkerCommand.class.getName(), workerArgs("eval", name));
        return name;
    }

    /** SIGTERM, as docker stop and Kubernetes send it; waits for the process and returns its exit status. */
    public int stop(String name) throws InterruptedException {
        Process p = processes.remove(name);
        if (p == null) {
            throw new IllegalArgumentException("no process " + name);
        }
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        return p.exitValue();
    }

    /** Waits until a process exits on its own and forgets it; its exit status. */
    public int awaitExit(String name, Duration limit) throws InterruptedException {
        Process p = processes.get(name);
        if (p == null || !p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not exit within " + limit);
        }
        processes.remove(name);
        return p.exitValue();
    }

    /**
     * SIGSTOP, then SIGCONT after {@code duration}: the process is frozen as by a long GC pause or a
     * suspended VM, and its sockets and timers see the time jump when it wakes.
     */
    public void freeze(String name, Duration duration) throws IOException, InterruptedException {
        Process p = processes.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no process " + name);
        }
        signal(p, "STOP");
        try {
            Thread.sleep(duration.toMillis());
        } finally {
            signal(p, "CONT");
        }
    }

    private static void signal(Process p, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + p.pid() + " failed (exit " + kill.exitValue() + ")");
        }
    }

    /** How long a worker may hold a task without renewing it. */
    public int lockMs() {
        return options.lockMs();
    }

    /** SIGKILL: the process gets no chance to acknowledge, release or flush anything. */
    public void kill(String name) throws InterruptedException {
        Process p = processes.remove(name);
        if (p != null) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    public List<String> processNames() {
        synchronized (processes) {
            return List.copyOf(processes.keySet());
        }
    }

    private List<Process> snapshot() {
        synchronized (processes) {
            return List.copyOf(processes.values());
        }
    }

    /** Processes that exited on their own, with their exit status: in a healthy cluster, none. */
    public Map<String, Integer> exited() {
        Map<String, Integer> out = new LinkedHashMap<>();
        processes.forEach((name, p) -> {
            if (!p.isAlive()) {
                out.put(name, p.exitValue());
            }
        });
        return out;
    }

    private List<String> workerArgs(String role, String name) {
        return List.of(role, "--bootstrap", kafka.bootstrapServers(), "--worker-id", name,
                "--threads", String.valueOf(options.workerThreads()), "--cache", options.cacheDir().toString(),
                "--featurenet", options.featurenetDir().toString(), "--progress-ms", "1000", "--store-root", storeRoot);
    }

    /** Each process's Prometheus port, by process name, in start order; empty without metrics. */
    public Map<String, Integer> metricsPorts() {
        synchronized (metricsPorts) {
            return Map.copyOf(metricsPorts);
        }
    }

    private Optional<Integer> nextMetricsPort(String name) throws IOException {
        if (options.metricsPort() == null) {
            return Optional.empty();
        }
        Integer known = metricsPorts.get(name);  // a restarted process keeps its port
        if (known != null) {
            return Optional.of(known);
        }
        int port;
        if (options.metricsPort() == 0) {
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
        } else {
            port = options.metricsPort() + metricsPorts.size();
        }
        metricsPorts.put(name, port);
        return Optional.of(port);
    }

    private void spawn(String name, String mainClass, List<String> roleArgs) throws IOException {
        List<String> args = new ArrayList<>(roleArgs);
        Optional<Integer> port = nextMetricsPort(name);
        if (port.isPresent()) {
            args.add("--metrics-port");
            args.add(String.valueOf(port.get()));
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xss4m");
        command.add("-Xms32m"); // see the gantry launcher: a small initial heap keeps the resident size down
        command.add("-Dai.djl.offline=true");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
        command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn");
        command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.addAll(options.workerJvmOptions());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs().resolve(name + ".log").toFile()));
        Map<String, String> env = pb.environment();
        env.put("OMP_NUM_THREADS", String.valueOf(options.workerThreads()));
        env.putAll(s3Environment());
        processes.put(name, pb.start());
    }

    private Map<String, String> s3Environment() {
        Map<String, String> env = new HashMap<>();
        if (s3mock != null) {
            S3Settings s = s3mock.settings();
            env.put("GANTRY_S3_ENDPOINT", s.endpoint().orElseThrow().toString());
            env.put("GANTRY_S3_REGION", s.region());
            env.put("GANTRY_S3_PATH_STYLE", "true");
            env.put("AWS_ACCESS_KEY_ID", s.accessKeyId().orElseThrow());
            env.put("AWS_SECRET_ACCESS_KEY", s.secretAccessKey().orElseThrow());
        }
        return env;
    }

    @Override
    public void close() {
        // A snapshot: close may run from a shutdown hook while the main thread still adds or kills roles.
        List<Process> running = snapshot();
        for (Process p : running) {
            p.destroy();  // SIGTERM: workers stop after their current poll
        }
        for (Process p : running) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        if (s3mock != null) {
            s3mock.close();
        }
        kafka.close();
    }
}
