package dev.gantry.report;

import dev.gantry.proto.v1.AshaSettings;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.RungResult;
import dev.gantry.proto.v1.TrialState;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * An ASHA search at a glance: each trial's metric at the rungs it reached (and its final step),
 * with the rungs as vertical lines and every stop marked by a cross where it happened.
 */
public final class RungPlot {
    private RungPlot() {}

    /** The experiment's ASHA settings, if it is an ASHA search. */
    public static Optional<AshaSettings> ashaOf(ExperimentResults results) {
        return results.trials().stream().filter(t -> t.getSettings().hasAsha()).map(t -> t.getSettings().getAsha())
                .findFirst();
    }

    /** The points drawn for one trial: (step, value) at each evaluated rung, then its final evaluation. */
    static List<double[]> points(TrialState t, List<EvaluationResult> curve) {
        List<double[]> out = new ArrayList<>();
        for (RungResult r : t.getRungsList()) {
            if (!r.getUnevaluated()) {
                out.add(new double[] {r.getStep(), r.getValue()});
            }
        }
        if (t.getPhase() == TrialState.Phase.DONE && t.getSettings().getAsha().getMetric().matches("|fid")) {
            curve.stream().filter(r -> r.getStep() == t.getTotalSteps()).findFirst()
                    .ifPresent(r -> out.add(new double[] {r.getStep(), r.getFid()}));
        }
        return out;
    }

    public static void write(ExperimentResults results, AshaSettings asha, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        String metric = asha.getMetric().isEmpty() ? "fid" : asha.getMetric();
        XYChart chart = new XYChartBuilder().width(FidPlot.WIDTH).height(FidPlot.HEIGHT)
                .title(results.experimentId() + ": ASHA rungs (eta " + asha.getEta() + ", " + metric
                        + (asha.getMaximize() ? ", higher is better)" : ", lower is better)"))
                .xAxisTitle("generator step").yAxisTitle(metric).build();
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        List<Double> stopX = new ArrayList<>();
        List<Double> stopY = new ArrayList<>();
        for (TrialState t : results.trials()) {
            List<double[]> pts = points(t, results.curves().getOrDefault(t.getTrial().getTrialId(), List.of()));
            if (pts.isEmpty()) {
                continue;
            }
            double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
            for (double v : y) {
                if (Double.isFinite(v)) {
                    low = Math.min(low, v);
                    high = Math.max(high, v);
                }
            }
            String name = t.getTrial().getTrialId().replaceAll(".*-(t\\d+)$", "$1") + " " + t.getLabel();
            XYSeries s = chart.addSeries(name, x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
            if (t.getPhase() == TrialState.Phase.STOPPED) {
                stopX.add(x[x.length - 1]);
                stopY.add(y[y.length - 1]);
            }
        }
        if (!stopX.isEmpty()) {
            XYSeries stops = chart.addSeries("stopped", stopX, stopY);
            stops.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            stops.setMarker(SeriesMarkers.CROSS);
            stops.setMarkerColor(Color.RED);
        }
        if (low <= high) {
            for (long rung : asha.getRungsList()) {
                XYSeries line = chart.addSeries("rung " + rung, new double[] {rung, rung}, new double[] {low, high});
                line.setMarker(SeriesMarkers.NONE);
                line.setLineColor(Color.LIGHT_GRAY);
                line.setShowInLegend(false);
            }
        } else {
            chart.addSeries("no rung results yet", new double[] {0}, new double[] {0});
        }
        String name = file.getFileName().toString();
        String base = file.resolveSibling(name.endsWith(".png") ? name.substring(0, name.length() - 4) : name).toString();
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
