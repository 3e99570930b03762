package dev.gantry.coordinator;

import dev.gantry.storage.S3Settings;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.TopicSetup;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("coordinator: expected --flag value pairs, got '" + args[i] + "'");
            }
            flags.put(args[i].substring(2), args[++i]);
        }
        for (String flag : flags.keySet()) {
            if (!List.of("bootstrap", "store", "partitions", "replication-factor", "lock-ms").contains(flag)) {
                throw new IllegalArgumentException("coordinator: unknown flag --" + flag);
            }
        }
        String store = flags.getOrDefault("store", System.getenv("GANTRY_STORE"));
        TopicSetup.Layout layout = new TopicSetup.Layout(number(flags, "partitions", 4),
                (short) number(flags, "replication-factor", 1), number(flags, "lock-ms", 15_000));
        return new CoordinatorSettings(KafkaSettings.from(flags.get("bootstrap"), System.getenv()),
                S3Settings.fromEnvironment(), store, layout);
    }

    private static int number(Map<String, String> flags, String name, int fallback) {
        String v = flags.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("coordinator: --" + name + " must be a whole number (got '" + v + "')");
        }
    }
}
