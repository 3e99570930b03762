package dev.gantry.report;

import ai.djl.ndarray.NDManager;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.sampling.SampleGrid;
import dev.gantry.storage.Stores;
import dev.gantry.training.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * An experiment's report as a static HTML page: FID and intra-FID curves, the results tables,
 * sample grids of every evaluated checkpoint still kept, attention maps of the latest, and each
 * trial's spec. Everything is a file in one directory, so it can be copied or served anywhere.
 */
public final class ReportWriter {
    private static final int PER_CLASS = 8;
    private static final long SAMPLE_SEED = 0;

    private ReportWriter() {}

    public static Path write(ExperimentResults results, Stores stores, Path dir) throws IOException {
        Files.createDirectories(dir);
        FidPlot.write(results, false, dir.resolve("fid.png"));
        FidPlot.write(results, true, dir.resolve("intra-fid.png"));
        Files.writeString(dir.resolve("results.txt"), results.table());
        Files.writeString(dir.resolve("results.csv"), results.csv());
        Files.writeString(dir.resolve("results.json"), results.json());
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>gantry: ").append(esc(results.experimentId()))
                .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}pre{background:#f4f4f4;"
                        + "padding:1em;overflow-x:auto}img{max-width:100%;border:1px solid #ddd}</style></head><body>");
        html.append("<h1>").append(esc(results.experimentId())).append("</h1>");
        html.append("<p>Metric: <b>").append(esc(results.metricName())).append("</b> (numbers from another feature "
                + "extractor than Inception v3 are not comparable with published FIDs).</p>");
        html.append("<h2>Curves</h2><img src=\"fid.png\" alt=\"FID against step\"><img src=\"intra-fid.png\" "
                + "alt=\"intra-FID against step\">");
        html.append("<h2>Results</h2><pre>").append(esc(results.table())).append("</pre>");
        html.append("<p>Also as <a href=\"results.csv\">CSV</a> and <a href=\"results.json\">JSON</a>.</p>");
        for (TrialState t : results.trials()) {
            html.append("<h2>").append(esc(t.getTrial().getTrialId())).append(" &mdash; ").append(esc(t.getLabel()))
                    .append("</h2>");
            Set<CheckpointRef> shown = new LinkedHashSet<>();
            for (EvaluationResult r : results.curves().get(t.getTrial().getTrialId())) {
                if (t.getKeptList().stream().anyMatch(k -> k.getUri().equals(r.getCheckpoint().getUri()))) {
                    shown.add(r.getCheckpoint());
                }
            }
            if (t.hasLatest()) {
                shown.add(t.getLatest());
            }
            for (CheckpointRef c : shown) {
                String name = String.format("%s-step-%08d.png", t.getTrial().getTrialId(), c.getStep());
                boolean attention = c.equals(t.getLatest());
                if (grid(stores, c.getUri(), attention, dir.resolve(name))) {
                    html.append(String.format(Locale.ROOT, "<h3>step %d%s</h3><img src=\"%s\">", c.getStep(),
                            attention ? " (latest; right: attention of the last self-attention layer for three query points)"
                                    : "", name));
                }
            }
            html.append("<details><summary>spec</summary><pre>").append(esc(t.getSpecYaml())).append("</pre></details>");
        }
        html.append("</body></html>\n");
        Path index = dir.resolve("index.html");
        Files.writeString(index, html.toString());
        return index;
    }

    /** Renders a checkpoint's samples; false when retention has removed it or it cannot be read. */
    private static boolean grid(Stores stores, String uri, boolean attention, Path out) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stores.Location at = stores.locate(uri);
            CheckpointStore store = new CheckpointStore(at.store());
            if (!store.exists(at.keyPrefix())) {
                return false;
            }
            try (TrainingState state = CheckpointCodec.decode(store.read(at.keyPrefix()), manager, uri)) {
                SampleGrid.write(SampleGrid.of(state, PER_CLASS, SAMPLE_SEED, attention, 2), out);
                return true;
            }
        } catch (RuntimeException | IOException e) {
            System.err.println("report: skipping samples of " + uri + ": " + e.getMessage());
            return false;
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
