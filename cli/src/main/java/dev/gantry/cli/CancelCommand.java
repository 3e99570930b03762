package dev.gantry.cli;

import dev.gantry.transport.ClusterOptions;
import dev.gantry.client.ExperimentClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancel an experiment: its unfinished trials become cancelled and get no further segments.",
                "A segment already running finishes, and its checkpoint is kept."},
        footer = {"", "Example:", "  gantry cancel fmnist-small-20261123-2101-a3f9 --reason 'wrong lr'"})
final class CancelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT")
    String experimentId;

    @Option(names = "--reason", defaultValue = "", description = "shown in status")
    String reason;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        try (ExperimentClient client = new ExperimentClient(cluster.kafka())) {
            client.cancel(experimentId, reason);
        }
        System.out.println("cancel requested for " + experimentId);
        return 0;
    }
}
