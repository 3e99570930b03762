package dev.gantry.worker;

import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.runtime.ProcessFlags;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.SelfTest;
import dev.gantry.storage.S3Settings;
import dev.gantry.transport.KafkaSettings;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Entry point of a worker process: {@code train|eval [--bootstrap H:P] [--worker-id ID]
 * [--threads N] [--cache DIR] [--featurenet DIR] [--progress-ms MS] [--max-deliveries N] [--inception PATH|URI]
 * [--inception-sha256 HEX] [--inception-reference NPZ]}.
 * Kafka and S3 settings come from the environment (GANTRY_KAFKA_*, GANTRY_S3_*, AWS_*), flags win.
 * {@code gantry worker} on the command line calls this; local mode starts it as a process.
 */
public final class WorkerMain {
    /** Exit status when the numerics self-test fails: this machine must not train. */
    public static final int NUMERICS = 3;
    public static final int BAD_INPUT = 2;

    private WorkerMain() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    public static int run(String[] args) throws Exception {
        if (args.length == 0 || !(args[0].equals("train") || args[0].equals("eval"))) {
            System.err.println("usage: worker train|eval [--bootstrap HOST:PORT] [--worker-id ID] [--threads N] "
                    + "[--cache DIR] [--featurenet DIR] [--progress-ms MS] [--max-deliveries N]");
            return BAD_INPUT;
        }
        WorkerSettings settings;
        try {
            settings = settings(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return BAD_INPUT;
        }
        EngineSetup.configure(settings.threads());
        if (args[0].equals("train")) {
            List<Check> checks = SelfTest.run();
            if (!SelfTest.allPassed(checks)) {
                checks.stream().filter(c -> !c.passed()).forEach(c -> System.err.println(c.line()));
                System.err.println("refusing to train: the numerics self-test failed");
                return NUMERICS;
            }
            try (TrainingWorker worker = new TrainingWorker(settings)) {
                Runtime.getRuntime().addShutdownHook(new Thread(worker::stop));
                worker.run();
            }
        } else {
            try (EvalWorker worker = new EvalWorker(settings)) {
                Runtime.getRuntime().addShutdownHook(new Thread(worker::stop));
                worker.run();
                if (worker.refusal().isPresent()) {
                    System.err.println("refusing to evaluate: " + worker.refusal().get().getMessage());
                    return NUMERICS;
                }
            }
        }
        return 0;
    }

    static WorkerSettings settings(String[] args) throws Exception {
        ProcessFlags flags = ProcessFlags.parse("worker", args, 1, Set.of("bootstrap", "worker-id", "threads", "cache",
                "featurenet", "progress-ms", "max-deliveries", "inception", "inception-sha256",
                "inception-reference"));
        Path cache = Path.of(flags.get("cache", WorkerSettings.defaultCacheDir().toString()));
        String id = flags.get("worker-id", args[0] + "-" + InetAddress.getLocalHost().getHostName()
                .replaceAll("[^A-Za-z0-9._-]", "_") + "-" + ProcessHandle.current().pid());
        return new WorkerSettings(id, KafkaSettings.from(flags.get("bootstrap", null), System.getenv()),
                S3Settings.fromEnvironment(), flags.number("threads", EngineSetup.defaultThreads()),
                Duration.ofMillis(flags.number("progress-ms", 2000)), flags.number("max-deliveries", 4),
                Path.of(flags.get("featurenet", cache.resolve("featurenets").resolve(FashionFeatureNet.ID).toString())),
                cache, flags.get("inception", System.getenv("GANTRY_INCEPTION")),
                flags.get("inception-sha256", System.getenv("GANTRY_INCEPTION_SHA256")),
                flags.get("inception-reference", System.getenv("GANTRY_INCEPTION_REFERENCE")));
    }
}
