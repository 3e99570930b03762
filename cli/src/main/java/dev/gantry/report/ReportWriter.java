package dev.gantry.report;

import ai.djl.ndarray.NDManager;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.sampling.SampleGrid;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.storage.Stores;
import dev.gantry.training.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
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
        var asha = RungPlot.ashaOf(results);
        if (asha.isPresent()) {
            RungPlot.write(results, asha.get(), dir.resolve("asha.png"));
        }
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
        if (asha.isPresent()) {
            html.append("<h2>ASHA rungs</h2><img src=\"asha.png\" alt=\"metric at each rung, stopped trials crossed\">");
        }
        if (PbtReport.isPbt(results)) {
            html.append(PbtReport.html(results, dir));
        }
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
                String name = String.format("%s-step-%08d", t.getTrial().getTrialId(), c.getStep());
                boolean attention = c.equals(t.getLatest());
                Map<GeneratorChoice, String> grids = grids(stores, c.getUri(), attention, dir, name);
                if (!grids.isEmpty()) {
                    html.append(String.format(Locale.ROOT, "<h3>step %d%s</h3>", c.getStep(),
                            attention ? " (latest; right: attention of the last self-attention layer for three query points)"
                                    : ""));
                    // Same noise for both generators, so the EMA grid compares with the raw one cell by cell.
                    grids.forEach((g, file) -> html.append(String.format(Locale.ROOT,
                            "<figure style=\"display:inline-block\"><figcaption>%s generator</figcaption><img src=\"%s\"></figure>",
                            g.specName(), file)));
                }
            }
            html.append("<details><summary>spec</summary><pre>").append(esc(t.getSpecYaml())).append("</pre></details>");
        }
        html.append("</body></html>\n");
        Path index = dir.resolve("index.html");
        Files.writeString(index, html.toString());
        return index;
    }

    /**
     * Renders a checkpoint's samples from the raw generator and, where the checkpoint keeps one, the
     * EMA generator; empty when retention has removed it or it cannot be read.
     */
    private static Map<GeneratorChoice, String> grids(Stores stores, String uri, boolean attention, Path dir, String name) {
        Map<GeneratorChoice, String> written = new EnumMap<>(GeneratorChoice.class);
        try (NDManager manager = NDManager.newBaseManager()) {
            Stores.Location at = stores.locate(uri);
            CheckpointStore store = new CheckpointStore(at.store());
            if (!store.exists(at.keyPrefix())) {
                return written;
            }
            try (TrainingState state = CheckpointCodec.decode(store.read(at.keyPrefix()), manager, uri)) {
                for (GeneratorChoice g : GeneratorChoice.values()) {
                    if (g == GeneratorChoice.EMA && !state.model().hasEmaGenerator()) {
                        continue;
                    }
                    String file = name + (g == GeneratorChoice.RAW ? "" : "-" + g.specName()) + ".png";
                    SampleGrid.write(SampleGrid.of(state, g, PER_CLASS, SAMPLE_SEED, attention, 2), dir.resolve(file));
                    written.put(g, file);
                }
            }
        } catch (RuntimeException | IOException e) {
            System.err.println("report: skipping samples of " + uri + ": " + e.getMessage());
        }
        return written;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
