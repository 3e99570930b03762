package dev.gantry.cli;

import dev.gantry.transport.ClusterOptions;
import dev.gantry.client.ClusterView;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Follow an experiment live: a progress bar, speed, ETA and latest FID per trial, until it finishes.",
        footer = {"", "Example:", "  gantry watch fmnist-small-20261123-2101-a3f9"})
final class WatchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT")
    String experimentId;

    @Option(names = "--timeout", defaultValue = "PT24H", description = "stop watching after this long (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            view.catchUp();
            if (view.experiment(experimentId).isEmpty()) {
                System.err.println("no experiment '" + experimentId + "' yet; waiting for it");
            }
            var trials = new LiveView(view, experimentId, System.out).follow(timeout, () -> { });
            return trials.stream().allMatch(ClusterView::finished) ? 0 : 1;
        }
    }
}
