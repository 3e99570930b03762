package dev.gantry.coordinator;

import dev.gantry.runtime.ProcessFlags;
import dev.gantry.storage.S3Settings;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.TopicSetup;
import java.util.Set;

/**
 * Entry point of the coordinator process: {@code [--bootstrap H:P] --store URI [--partitions N]
 * [--replication-factor R] [--lock-ms MS]}. {@code gantry coordinator} calls this; local mode
 * starts it as a process so that it can be killed and restarted like in production.
 */
public final class CoordinatorMain {
    private CoordinatorMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        CoordinatorSettings settings;
        try {
            settings = settings(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        try (Coordinator coordinator = new Coordinator(settings)) {
            Runtime.getRuntime().addShutdownHook(new Thread(coordinator::stop));
            coordinator.run();
        }
        return 0;
    }

    static CoordinatorSettings settings(String[] args) {
        ProcessFlags flags = ProcessFlags.parse("coordinator", args, 0,
                Set.of("bootstrap", "store", "partitions", "replication-factor", "lock-ms"));
        String store = flags.get("store", System.getenv("GANTRY_STORE"));
        TopicSetup.Layout layout = new TopicSetup.Layout(flags.number("partitions", 4),
                (short) flags.number("replication-factor", 1), flags.number("lock-ms", 15_000));
        return new CoordinatorSettings(KafkaSettings.from(flags.get("bootstrap", null), System.getenv()),
                S3Settings.fromEnvironment(), store, layout);
    }
}
