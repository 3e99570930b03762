package dev.gantry.cli;

import dev.gantry.coordinator.CoordinatorMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {"Run the coordinator: experiments to trials and tasks, trial states, retention.",
                "It creates the topics at start. Restart it any time: it rebuilds itself from the compacted",
                "trial-state topic."},
        footer = {"", "Example:", "  gantry coordinator --bootstrap kafka:9092 --store s3://gantry/ --partitions 8 --replication-factor 3"})
final class CoordinatorCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--store", description = "checkpoint root: s3://bucket/prefix/ or a directory (default: $GANTRY_STORE, config file)")
    String store;

    @Option(names = "--partitions", defaultValue = "4", description = "partitions per topic, but the task queues, which have one (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "1", description = "(default: ${DEFAULT-VALUE}; 3 in production)")
    int replication;

    @Option(names = "--lock-ms", defaultValue = "15000",
            description = "how long a worker holds a task without renewing (default: ${DEFAULT-VALUE})")
    int lockMs;

    @Override
    public Integer call() {
        CliConfig config = cluster.config();
        String root = config.store(store);
        if (root == null) {
            System.err.println("--store is required (or GANTRY_STORE, or 'store' in " + config.source() + ")");
            return Main.BAD_INPUT;
        }
        List<String> args = new ArrayList<>(List.of("--bootstrap", config.bootstrap(cluster.bootstrap), "--store", root,
                "--partitions", String.valueOf(partitions), "--replication-factor", String.valueOf(replication),
                "--lock-ms", String.valueOf(lockMs)));
        return CoordinatorMain.run(args.toArray(String[]::new));
    }
}
