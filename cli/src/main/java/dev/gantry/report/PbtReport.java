package dev.gantry.report;

import dev.gantry.proto.v1.LineageLink;
import dev.gantry.proto.v1.PbtDecision;
import dev.gantry.proto.v1.TrialState;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * A PBT population in the report: the lineage tree (each exploit's child under the member whose
 * checkpoint it continued) and the hyperparameter schedule of the best member, read from its
 * lineage: the values in effect from each link's first step on.
 */
public final class PbtReport {
    private PbtReport() {}

    public static boolean isPbt(ExperimentResults results) {
        return results.trials().stream().anyMatch(t -> t.getSettings().hasPbt());
    }

    /** One stretch of the best member's run: from this step on, these hyperparameters. */
    public record Stretch(String trialId, long fromStep, Map<String, String> values) {}

    /** The finished member with the lowest final FID. */
    static Optional<TrialState> best(ExperimentResults results) {
        return results.trials().stream().filter(t -> t.getPhase() == TrialState.Phase.DONE)
                .filter(t -> Double.isFinite(t.getLatestFid())).min(Comparator.comparingDouble(TrialState::getLatestFid));
    }

    /** The values in effect along a trial's lineage: the root's search values, then each fork's changes. */
    public static List<Stretch> schedule(TrialState t) {
        List<Stretch> out = new ArrayList<>();
        Map<String, String> effective = new TreeMap<>(t.getOverridesMap());
        if (t.getLineageCount() == 0) {
            out.add(new Stretch(t.getTrial().getTrialId(), 0, Map.copyOf(effective)));
            return out;
        }
        for (LineageLink link : t.getLineageList()) {
            if (link.getParentTrialId().isEmpty()) {
                effective = new TreeMap<>(link.getOverridesMap());
            } else {
                effective.putAll(link.getOverridesMap());
            }
            out.add(new Stretch(link.getTrialId(), link.getFromStep(), Map.copyOf(new TreeMap<>(effective))));
        }
        return out;
    }

    /** The member a trial was forked from (the winner it exploited), or empty for an initial member. */
    static Optional<String> parentOf(TrialState t) {
        if (t.getLineageCount() < 2) {
            return Optional.empty();
        }
        String parent = t.getLineage(t.getLineageCount() - 1).getParentTrialId();
        return parent.isEmpty() ? Optional.empty() : Optional.of(parent);
    }

    /** The HTML section: tree, schedule table and chart (written to {@code dir}/pbt-schedule.png). */
    public static String html(ExperimentResults results, Path dir) throws IOException {
        Map<String, TrialState> byId = new LinkedHashMap<>();
        results.trials().forEach(t -> byId.put(t.getTrial().getTrialId(), t));
        Map<String, List<TrialState>> children = new LinkedHashMap<>();
        List<TrialState> roots = new ArrayList<>();
        for (TrialState t : results.trials()) {
            Optional<String> parent = parentOf(t).filter(byId::containsKey);
            if (parent.isPresent()) {
                children.computeIfAbsent(parent.get(), k -> new ArrayList<>()).add(t);
            } else {
                roots.add(t);
            }
        }
        StringBuilder html = new StringBuilder("<h2>PBT lineage</h2><p>Each exploit's child is listed under the member"
                + " whose checkpoint it continued; the loser it replaced ended stopped.</p><ul>");
        for (TrialState root : roots) {
            tree(root, children, html);
        }
        html.append("</ul>");
        Optional<TrialState> best = best(results);
        if (best.isPresent()) {
            List<Stretch> schedule = schedule(best.get());
            html.append("<h3>Hyperparameter schedule of the best member by final FID, ").append(esc(best.get().getTrial().getTrialId()))
                    .append(" (final ").append(esc(results.metricName())).append(' ')
                    .append(ExperimentResults.num(best.get().getLatestFid())).append(")</h3><table border=\"1\" "
                            + "cellpadding=\"4\"><tr><th>from step</th><th>trial</th><th>values</th></tr>");
            for (Stretch s : schedule) {
                html.append("<tr><td>").append(s.fromStep()).append("</td><td>").append(esc(s.trialId())).append("</td><td>")
                        .append(esc(s.values().toString())).append("</td></tr>");
            }
            html.append("</table>");
            if (chart(schedule, best.get().getTotalSteps(), dir.resolve("pbt-schedule.png"))) {
                html.append("<img src=\"pbt-schedule.png\" alt=\"the best member's hyperparameters against step\">");
            }
        }
        return html.toString();
    }

    private static void tree(TrialState t, Map<String, List<TrialState>> children, StringBuilder html) {
        html.append("<li>").append(esc(t.getTrial().getTrialId())).append(" &mdash; ").append(esc(t.getLabel()))
                .append(": ").append(t.getPhase().name().toLowerCase(java.util.Locale.ROOT)).append(" at step ")
                .append(t.getStep()).append(", fid ").append(ExperimentResults.num(t.getLatestFid()));
        for (PbtDecision d : t.getPbtList()) {
            if (d.getExploited()) {
                html.append("; at step ").append(d.getStep()).append(" replaced by ").append(esc(d.getChildTrialId()))
                        .append(" (continuing ").append(esc(d.getWinnerTrialId())).append(", ")
                        .append(esc(d.getOverridesMap().toString())).append(')');
            }
        }
        List<TrialState> kids = children.getOrDefault(t.getTrial().getTrialId(), List.of());
        if (!kids.isEmpty()) {
            html.append("<ul>");
            kids.forEach(k -> tree(k, children, html));
            html.append("</ul>");
        }
        html.append("</li>");
    }

    /** Each numeric hyperparameter of the schedule as a step line; false when none is numeric. */
    static boolean chart(List<Stretch> schedule, long totalSteps, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(FidPlot.WIDTH).height(FidPlot.HEIGHT)
                .title("hyperparameters of the best member").xAxisTitle("generator step").yAxisTitle("value").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisLogarithmic(true);
        int series = 0;
        for (String key : schedule.get(schedule.size() - 1).values().keySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < schedule.size(); i++) {
                Double v = number(schedule.get(i).values().get(key));
                long end = i + 1 < schedule.size() ? schedule.get(i + 1).fromStep() : totalSteps;
                if (v == null || v <= 0) {
                    continue;
                }
                x.add((double) schedule.get(i).fromStep());
                y.add(v);
                x.add((double) end);
                y.add(v);
            }
            if (!x.isEmpty()) {
                XYSeries s = chart.addSeries(key, x, y);
                s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
                series++;
            }
        }
        if (series == 0) {
            return false;
        }
        String name = file.getFileName().toString();
        BitmapEncoder.saveBitmap(chart, file.resolveSibling(name.substring(0, name.length() - 4)).toString(),
                BitmapEncoder.BitmapFormat.PNG);
        return true;
    }

    private static Double number(String text) {
        try {
            return text == null ? null : Double.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
