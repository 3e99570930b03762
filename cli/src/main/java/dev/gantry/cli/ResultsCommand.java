package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.config.ExitException;
import dev.gantry.report.ExperimentResults;
import dev.gantry.report.FidPlot;
import dev.gantry.transport.ClusterOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "results", mixinStandardHelpOptions = true,
        description = {"FID and intra-FID against step per trial, with best checkpoints and a per-variant summary.",
                "The summary (mean over seeds per variant) is laid out like Table 1 of the SAGAN paper."},
        footer = {"", "Examples:", "  gantry results fmnist-small-20261123-2101-a3f9",
                "  gantry results ID --format json > results.json     # schema: docs/results-schema.md",
                "  gantry results ID --plot fid.png --plot-intra intra.png"})
final class ResultsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT")
    String experimentId;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--plot", paramLabel = "PNG", description = "also write FID against step as a PNG chart")
    Path plot;

    @Option(names = "--plot-intra", paramLabel = "PNG", description = "also write intra-FID against step as a PNG chart")
    Path plotIntra;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("table") && !format.equals("csv") && !format.equals("json")) {
            throw ExitException.badInput("--format must be table, csv or json (got '" + format + "')");
        }
        ExperimentResults results;
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            results = ExperimentResults.of(view.catchUp(), experimentId);
        }
        if (results.trials().isEmpty()) {
            throw ExitException.badInput("no experiment '" + experimentId + "' (gantry status lists them)");
        }
        System.out.print(switch (format) {
            case "csv" -> results.csv();
            case "json" -> results.json();
            default -> results.table();
        });
        if (plot != null) {
            FidPlot.write(results, false, plot);
            System.err.println("wrote " + plot);
        }
        if (plotIntra != null) {
            FidPlot.write(results, true, plotIntra);
            System.err.println("wrote " + plotIntra);
        }
        return 0;
    }
}
