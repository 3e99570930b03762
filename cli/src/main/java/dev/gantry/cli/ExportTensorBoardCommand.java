package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentHistory;
import dev.gantry.config.ExitException;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.Stores;
import dev.gantry.tensorboard.CheckpointSampleImages;
import dev.gantry.tensorboard.SampleImages;
import dev.gantry.tensorboard.TensorBoardExport;
import dev.gantry.transport.ClusterOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "tensorboard", mixinStandardHelpOptions = true,
        description = {"Write an experiment as TensorBoard event files, one run directory per trial.",
                "Scalars at their generator step: loss/G, loss/D, D/real and D/fake (mean D logits),",
                "speed/steps_per_second (from worker progress reports, one every --progress-ms of a",
                "training worker, and from checkpoint events), and every metric of every evaluation",
                "(eval/..., per_class/...). Images: a sample grid ('samples') of each checkpoint still kept.",
                "Values a run directory holds already are not written again: an export run again, or a",
                "--follow stopped and restarted, adds only what is new."},
        footer = {"", "Examples:", "  gantry export tensorboard fmnist-small-20261123-2101-a3f9 --out tb/",
                "  tensorboard --logdir tb/",
                "  gantry export tensorboard ID --out tb/ --follow    # appends until the experiment finishes",
                "", "Checkpoints are read from the store (S3 settings from GANTRY_S3_* and AWS_* variables).",
                "Worker progress reports are kept one day; older segments' losses come from checkpoint events."})
final class ExportTensorBoardCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(500);

    @Parameters(index = "0", paramLabel = "EXPERIMENT")
    String experimentId;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the log directory (tensorboard --logdir DIR)")
    Path out;

    @Option(names = "--follow", description = "keep appending as progress and results arrive, until every trial is finished")
    boolean follow;

    @Mixin
    ClusterOptions cluster;

    /** Counts rendered grids while the first export runs; null afterwards. */
    private ProgressBar bar;

    @Override
    public Integer call() throws Exception {
        try (ExperimentHistory history = new ExperimentHistory(cluster.kafka(), experimentId).catchUp();
                Stores stores = new Stores(S3Settings.fromEnvironment())) {
            if (history.trials().isEmpty() && !follow) {
                throw ExitException.badInput("no experiment '" + experimentId + "' (gantry status lists them)");
            }
            SampleImages grids = new CheckpointSampleImages(stores);
            SampleImages counted = (trial, checkpoint) -> {
                try {
                    return grids.render(trial, checkpoint);
                } finally {
                    if (bar != null) {
                        bar.step();
                    }
                }
            };
            try (TensorBoardExport export = new TensorBoardExport(out, counted)) {
                exportAll(history, export);
                if (follow) {
                    follow(history, export);
                }
            }
            history.problems().forEach(p -> System.err.println("skipped a malformed record: " + p));
        }
        System.out.println(out);
        return 0;
    }

    /** The first export can render many grids: a bar counts them. */
    private void exportAll(ExperimentHistory history, TensorBoardExport export) throws IOException {
        List<TrialState> trials = history.trials();
        int toRender = export.checkpointsToRender(trials);
        if (toRender > 0) {
            bar = Progress.bar("sample grids", toRender);
        }
        try {
            report(export.write(trials, history.drain()));
        } finally {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    private void follow(ExperimentHistory history, TensorBoardExport export) throws IOException {
        if (history.trials().isEmpty()) {
            System.err.println("no experiment '" + experimentId + "' yet; waiting for it");
        }
        while (true) {
            List<TrialState> trials = history.poll(POLL).trials();
            boolean finished = !trials.isEmpty() && trials.stream().allMatch(ClusterView::finished);
            if (finished) {
                // the final states can be read before records of other partitions published earlier
                history.catchUp();
                trials = history.trials();
            }
            TensorBoardExport.Written written = export.write(trials, history.drain());
            if (written.any()) {
                report(written);
            }
            if (finished) {
                return;
            }
        }
    }

    private void report(TensorBoardExport.Written w) {
        System.err.printf("%s: %d scalar values, %d sample grids written to %s%n", experimentId, w.scalars(), w.images(), out);
    }
}
