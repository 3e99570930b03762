package dev.gantry.report;

import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** FID (or intra-FID) against step, one line per trial, as a PNG. */
public final class FidPlot {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 540;

    private FidPlot() {}

    public static void write(ExperimentResults results, boolean intra, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        String metric = (intra ? "intra-" : "") + results.metricName();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(results.experimentId() + ": " + metric).xAxisTitle("generator step").yAxisTitle(metric).build();
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        int plotted = 0;
        for (TrialState t : results.trials()) {
            List<EvaluationResult> curve = results.curves().get(t.getTrial().getTrialId());
            if (curve.isEmpty()) {
                continue;
            }
            double[] x = curve.stream().mapToDouble(EvaluationResult::getStep).toArray();
            double[] y = curve.stream().mapToDouble(r -> intra ? r.getIntraFid() : r.getFid()).toArray();
            XYSeries s = chart.addSeries(t.getTrial().getTrialId().replaceAll(".*-(t\\d+)$", "$1") + " " + t.getLabel(), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
            plotted++;
        }
        if (plotted == 0) {
            chart.addSeries("no evaluations yet", new double[] {0}, new double[] {0});
        }
        String name = file.getFileName().toString();
        String base = file.resolveSibling(name.endsWith(".png") ? name.substring(0, name.length() - 4) : name).toString();
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
