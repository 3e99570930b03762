package dev.gantry.coordinator;

import dev.gantry.config.Commands;
import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import dev.gantry.observability.MetricsEndpoint;
import dev.gantry.observability.MetricsOptions;
import dev.gantry.storage.S3Settings;
import dev.gantry.transport.ClusterOptions;
import dev.gantry.transport.TopicSetup;
import dev.gantry.transport.TransactionalPublisher;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gantry coordinator}, and the coordinator process's entry point: local mode starts this
 * same command as a process, so it can be killed and restarted as in production.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {"Run the coordinator: experiments to trials and tasks, trial states, retention.",
                "It creates the topics at start. Restart it any time: it rebuilds itself from the compacted",
                "trial-state topic."},
        footer = {"", "Example:", "  gantry coordinator --bootstrap kafka:9092 --store s3://gantry/ --partitions 8 --replication-factor 3"})
public final class CoordinatorCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--store", description = "checkpoint root: s3://bucket/prefix/ or a directory (default: $GANTRY_STORE, config file)")
    String store;

    @Option(names = "--partitions", defaultValue = "4", description = "partitions per topic, but the task queues, which have one (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "1", description = "(default: ${DEFAULT-VALUE}; 3 in production)")
    short replication;

    @Mixin
    MetricsOptions metrics;

    @Option(names = "--lock-ms", defaultValue = "15000",
            description = "how long a worker holds a task without renewing (default: ${DEFAULT-VALUE})")
    int lockMs;

    public static void main(String[] args) {
        System.exit(Commands.execute(new CoordinatorCommand(), ClusterOptions.CONNECTION_ERRORS, args));
    }

    CoordinatorSettings settings() {
        String root = cluster.config().store(store);
        if (root == null) {
            throw ExitException.badInput("--store is required (or GANTRY_STORE, or 'store' in "
                    + cluster.config().source() + ")");
        }
        if (!root.contains("://")) {
            // Workers check every URI against their roots, which are absolute: so are the coordinator's.
            root = java.nio.file.Path.of(root).toAbsolutePath().normalize() + "/";
        }
        return new CoordinatorSettings(cluster.kafka(), S3Settings.fromEnvironment(), root,
                new TopicSetup.Layout(partitions, replication, lockMs));
    }

    @Override
    public Integer call() {
        CoordinatorSettings settings = settings();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(metrics.port(), "coordinator");
                Coordinator coordinator = new Coordinator(settings)) {
            Runtime.getRuntime().addShutdownHook(new Thread(coordinator::stop));
            coordinator.run();
        } catch (TransactionalPublisher.FencedException e) {
            throw new ExitException(ExitStatus.FENCED, "coordinator: " + e.getMessage() + "; exiting");
        }
        return ExitStatus.OK;
    }
}
