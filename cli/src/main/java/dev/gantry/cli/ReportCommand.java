package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.config.ExitException;
import dev.gantry.report.ExperimentResults;
import dev.gantry.report.ReportWriter;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.Stores;
import dev.gantry.transport.ClusterOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write an experiment's HTML report.",
                "It holds FID and intra-FID curves, results tables, sample grids of every evaluated checkpoint",
                "still kept, attention maps of the latest, and each trial's spec."},
        footer = {"", "Example:", "  gantry report fmnist-small-20261123-2101-a3f9 --out reports/run1 && xdg-open reports/run1/index.html",
                "", "Checkpoints are read from the store (S3 settings from GANTRY_S3_* and AWS_* variables)."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT")
    String experimentId;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        ExperimentResults results;
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            results = ExperimentResults.of(view.catchUp(), experimentId);
        }
        if (results.trials().isEmpty()) {
            throw ExitException.badInput("no experiment '" + experimentId + "' (gantry status lists them)");
        }
        try (Stores stores = new Stores(S3Settings.fromEnvironment())) {
            System.out.println(ReportWriter.write(results, stores, out));
        }
        return 0;
    }
}
