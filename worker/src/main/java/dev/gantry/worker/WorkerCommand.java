package dev.gantry.worker;

import dev.gantry.cluster.CacheLayout;
import dev.gantry.config.Commands;
import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.observability.MetricsEndpoint;
import dev.gantry.observability.MetricsOptions;
import dev.gantry.observability.SelfTestMetrics;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.SelfTest;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.StoreRoots;
import dev.gantry.transport.ClusterOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.spec.SpecException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gantry worker train|eval}, and a worker process's entry point: local mode starts this
 * same command as a process. Kafka and S3 settings come from the environment (GANTRY_KAFKA_*,
 * GANTRY_S3_*, AWS_*); flags win.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Run a training worker (share group gantry-train-workers) or an eval worker (gantry-eval-workers).",
                "Start as many as you like, on any machines: they share the work, and a killed worker loses at most",
                "its current segment."},
        footer = {"", "Examples:", "  gantry worker train --bootstrap kafka:9092 --threads 8",
                "  gantry worker eval --bootstrap kafka:9092",
                "", "S3: GANTRY_S3_ENDPOINT, GANTRY_S3_REGION, GANTRY_S3_PATH_STYLE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY."})
public final class WorkerCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "train|eval")
    String role;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--worker-id", description = "(default: <role>-<host>-<pid>)")
    String workerId;

    @Option(names = "--threads", description = "PyTorch threads (default: $GANTRY_THREADS or all cores)")
    Integer threads;

    @Option(names = "--cache", description = "datasets and reference statistics (default: ~/.cache/gantry)")
    Path cache;

    @Option(names = "--cache-limit", paramLabel = "SIZE", defaultValue = "20g",
            description = "the most the reference-statistics cache may hold, e.g. 500m, 20g; least recently used entries are evicted (default: ${DEFAULT-VALUE})")
    String cacheLimit;

    @Option(names = "--featurenet", description = "fmnist-cnn-v1 weights (default: <cache>/featurenets/fmnist-cnn-v1)")
    Path featurenet;

    @Option(names = "--progress-ms", defaultValue = "2000",
            description = "how often a training worker reports progress during a segment (default: ${DEFAULT-VALUE})")
    long progressMs;

    @Option(names = "--max-deliveries", defaultValue = "4",
            description = "a task that failed this many deliveries is parked as failed (default: ${DEFAULT-VALUE})")
    int maxDeliveries;

    @Option(names = "--kept-states", paramLabel = "N", defaultValue = "1",
            description = {"committed trial states a training worker keeps in memory, so that the task continuing one",
                    "starts without reading it back (0 to " + WorkerSettings.MAX_KEPT_STATES + "; default: ${DEFAULT-VALUE})"})
    int keptStates;

    @Option(names = "--warm", paramLabel = "SPEC",
            description = {"experiment spec (YAML, repeatable): before it takes a task, a training worker loads its data",
                    "sets and trains each distinct model of it for " + WorkerSettings.WARM_UP_STEPS
                            + " throwaway steps, so that its first segment of such a trial",
                    "starts at full speed (and a model that cannot train here fails now, not in a task)"})
    List<Path> warm;

    @Option(names = "--inception", paramLabel = "PATH|URI",
            description = "Inception v3 TorchScript for eval workers: a file, s3:// or https:// (default: $GANTRY_INCEPTION)")
    String inception;

    @Option(names = "--inception-sha256", paramLabel = "HEX",
            description = "the published file's SHA-256; metrics are plain FID only when it matches (default: $GANTRY_INCEPTION_SHA256)")
    String inceptionSha256;

    @Option(names = "--inception-reference", paramLabel = "NPZ",
            description = {"PyTorch's features of fixed images for that file (tools/inception_reference.py), checked before",
                    "any metric is published (default: $GANTRY_INCEPTION_REFERENCE, else <file>.reference.npz)"})
    String inceptionReference;

    /** How long SIGTERM waits for the worker to hand back its task and close (Kubernetes' default grace is 30 s). */
    static final int SHUTDOWN_GRACE_SECONDS = 25;

    @Option(names = "--store-root", paramLabel = "URI",
            description = {"a store root this worker may read and write (repeatable): s3://bucket/prefix/ or a directory;",
                    "storage URIs in messages outside them are refused (default: $GANTRY_STORE_ROOTS, comma-separated,",
                    "else $GANTRY_STORE)"})
    List<String> storeRoots;

    public static void main(String[] args) {
        System.exit(Commands.execute(new WorkerCommand(), ClusterOptions.CONNECTION_ERRORS, args));
    }

    WorkerSettings settings() {
        if (!role.equals("train") && !role.equals("eval")) {
            throw ExitException.badInput("role must be train or eval (got '" + role + "')");
        }
        Path cacheDir = cache != null ? cache : WorkerSettings.defaultCacheDir();
        return new WorkerSettings(workerId != null ? workerId : defaultId(role), cluster.kafka(),
                S3Settings.fromEnvironment(), threads != null ? threads : EngineSetup.defaultThreads(),
                Duration.ofMillis(progressMs), maxDeliveries,
                featurenet != null ? featurenet : new CacheLayout(cacheDir).featureNet(FashionFeatureNet.ID), cacheDir,
                orEnv(inception, "GANTRY_INCEPTION"), orEnv(inceptionSha256, "GANTRY_INCEPTION_SHA256"),
                orEnv(inceptionReference, "GANTRY_INCEPTION_REFERENCE"), StoreRoots.of(roots()), bytes("--cache-limit", cacheLimit),
                keptStates, compute.device(), compute.lossEvery(), warmUpTrials());
    }

    @Override
    public Integer call() throws Exception {
        WorkerSettings settings = settings();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(metrics.port(), role.equals("train") ? "training worker"
                : "eval worker")) {
            return work(settings);
        }
    }

    /** A GPU that libtorch cannot see stops the worker before it takes a task. */
    private static void requireDevice(WorkerSettings settings) {
        try {
            settings.device().require("--device");
        } catch (IllegalArgumentException e) {
            throw ExitException.badInput(e.getMessage());
        }
    }

    private int work(WorkerSettings settings) throws Exception {
        EngineSetup.configure(settings.threads());
        if (role.equals("train")) {
            requireDevice(settings);
            List<Check> checks = SelfTest.run();
            checks.stream().filter(Check::ran).forEach(c -> SelfTestMetrics.record(c.name(), c.passed()));
            if (!SelfTest.allPassed(checks)) {
                checks.stream().filter(c -> !c.passed()).forEach(c -> System.err.println(c.line()));
                throw new ExitException(ExitStatus.NUMERICS, "refusing to train: the numerics self-test failed");
            }
            CountDownLatch closed = new CountDownLatch(1);
            try (TrainingWorker worker = new TrainingWorker(settings)) {
                Runtime.getRuntime().addShutdownHook(gracefulStop(worker::stop, closed));
                worker.run();
            } finally {
                closed.countDown();
            }
            return ExitStatus.OK;
        }
        CountDownLatch closed = new CountDownLatch(1);
        try (EvalWorker worker = new EvalWorker(settings)) {
            Runtime.getRuntime().addShutdownHook(gracefulStop(worker::stop, closed));
            worker.run();
            if (worker.refusal().isPresent()) {
                throw new ExitException(ExitStatus.NUMERICS, "refusing to evaluate: " + worker.refusal().get().getMessage());
            }
        } finally {
            closed.countDown();
        }
        return ExitStatus.OK;
    }

    /**
     * SIGTERM (docker stop, Kubernetes): stop taking tasks, hand back the one in flight, let the
     * queue and the producer close (acknowledgements committed, sends flushed); the JVM exits once
     * the worker is closed, or after the grace period.
     */
    private static Thread gracefulStop(Runnable stop, CountDownLatch closed) {
        return new Thread(() -> {
            stop.run();
            try {
                closed.await(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gantry-graceful-stop");
    }

    /** "500m", "20g", "1024k" or a plain byte count. */
    static long bytes(String flag, String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
            if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw ExitException.badInput(flag + ": '" + text + "' is not a size like 500m or 20g");
        }
    }

    private List<ExperimentPlan.Trial> warmUpTrials() {
        if (warm == null || warm.isEmpty()) {
            return List.of();
        }
        if (!role.equals("train")) {
            throw ExitException.badInput("--warm is for training workers (role train)");
        }
        List<ExperimentPlan> plans = new ArrayList<>();
        for (Path file : warm) {
            try {
                plans.add(PlanLoader.load(file));
            } catch (SpecException e) {
                throw ExitException.badInput("--warm " + file + ": " + e.getMessage());
            }
        }
        return WorkerSettings.warmUpTrials(plans);
    }

    private List<String> roots() {
        if (storeRoots != null && !storeRoots.isEmpty()) {
            return storeRoots;
        }
        String list = System.getenv("GANTRY_STORE_ROOTS");
        if (list != null && !list.isBlank()) {
            return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        String store = System.getenv("GANTRY_STORE");
        return store == null || store.isBlank() ? List.of() : List.of(store);
    }

    private static String orEnv(String flag, String variable) {
        return flag != null ? flag : System.getenv(variable);
    }

    private static String defaultId(String role) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return role + "-" + host.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + ProcessHandle.current().pid();
    }
}
