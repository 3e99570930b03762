package dev.gantry.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.client.ClusterView;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.transport.Lineages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An experiment's results as rows: one per (trial, evaluated step), plus a summary per variant
 * (trials that differ only in seed) laid out like Table 1 of the SAGAN paper: best and final
 * FID / intra-FID, averaged over seeds. The JSON form is documented in docs/results-schema.md.
 */
public record ExperimentResults(String experimentId, String metricName, List<TrialState> trials,
        Map<String, List<EvaluationResult>> curves) {
    public static final int SCHEMA_VERSION = 1;

    public static ExperimentResults of(ClusterView view, String experimentId) {
        List<TrialState> trials = view.experiment(experimentId);
        Map<String, List<EvaluationResult>> curves = new LinkedHashMap<>();
        for (TrialState t : trials) {
            curves.put(t.getTrial().getTrialId(), view.results(t.getTrial().getTrialId()));
        }
        String metric = trials.isEmpty() ? "fid" : trials.get(0).getMetricName();
        return new ExperimentResults(experimentId, metric, trials, curves);
    }

    /** One row of the variant summary: means over the seeds of one variant. */
    public record VariantRow(String variant, int seeds, double bestFid, double finalFid, double bestIntraFid,
            double finalIntraFid) {}

    public List<VariantRow> byVariant() {
        Map<String, List<TrialState>> groups = trials.stream().collect(Collectors.groupingBy(
                ExperimentResults::variantOf, LinkedHashMap::new, Collectors.toList()));
        List<VariantRow> rows = new ArrayList<>();
        groups.forEach((variant, ts) -> rows.add(new VariantRow(variant, ts.size(),
                mean(ts, t -> best(t, false)), mean(ts, t -> last(t, false)),
                mean(ts, t -> best(t, true)), mean(ts, t -> last(t, true)))));
        return rows;
    }

    /** The trial's label without its seed: trials of one variant differ only there. */
    public static String variantOf(TrialState t) {
        String label = t.getLabel().replaceAll("(^|,)seed=-?\\d+", "");
        label = label.startsWith(",") ? label.substring(1) : label;
        return label.isEmpty() ? "(base)" : label;
    }

    private double best(TrialState t, boolean intra) {
        return curves.getOrDefault(t.getTrial().getTrialId(), List.of()).stream()
                .mapToDouble(r -> intra ? r.getIntraFid() : r.getFid()).min().orElse(Double.NaN);
    }

    private double last(TrialState t, boolean intra) {
        List<EvaluationResult> c = curves.getOrDefault(t.getTrial().getTrialId(), List.of());
        return c.isEmpty() ? Double.NaN : intra ? c.get(c.size() - 1).getIntraFid() : c.get(c.size() - 1).getFid();
    }

    private static double mean(List<TrialState> ts, java.util.function.ToDoubleFunction<TrialState> f) {
        return ts.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("experiment %s   (%s; intra-%s is the mean over classes)%n%n", experimentId, metricName,
                metricName));
        out.append(String.format("%-32s %-24s %-10s %13s %10s %10s %14s%n", "trial", "label", "state", "step",
                metricName.length() > 10 ? "fid" : metricName, "intra-fid", "best fid@step"));
        for (TrialState t : trials) {
            out.append(String.format(Locale.ROOT, "%-32s %-24s %-10s %13s %10s %10s %14s%n", t.getTrial().getTrialId(),
                    cut(t.getLabel(), 24), t.getPhase().name().toLowerCase(Locale.ROOT),
                    t.getStep() + "/" + t.getTotalSteps(), num(t.getLatestFid()), num(t.getLatestIntraFid()),
                    Double.isNaN(t.getBestFid()) ? "-" : num(t.getBestFid()) + "@" + t.getBestFidStep()));
            if (t.getPhase() == TrialState.Phase.FAILED || t.getPhase() == TrialState.Phase.CANCELLED
                    || t.getPhase() == TrialState.Phase.STOPPED) {
                out.append("    ").append(t.getFailureReason()).append('\n');
            }
            if (t.getRungsCount() > 0) {
                out.append("    rungs: ").append(t.getRungsList().stream().map(ExperimentResults::rung)
                        .collect(Collectors.joining("  "))).append('\n');
            }
            if (t.getPbtCount() > 0) {
                out.append("    pbt member ").append(t.getPbtMember()).append(": ").append(t.getPbtList().stream()
                        .map(ExperimentResults::pbt).collect(Collectors.joining("  "))).append('\n');
            }
        }
        out.append(String.format("%n%s against step:%n", metricName));
        for (TrialState t : trials) {
            String curve = curves.get(t.getTrial().getTrialId()).stream()
                    .map(r -> r.getStep() + ":" + num(r.getFid())).collect(Collectors.joining("  "));
            out.append(String.format("  %-32s %s%n", t.getTrial().getTrialId(), curve.isEmpty() ? "(no evaluations yet)" : curve));
        }
        for (TrialState t : trials) {
            for (EvaluationResult r : curves.get(t.getTrial().getTrialId())) {
                if (!r.getMetricsMap().isEmpty()) {
                    out.append(String.format("  %-32s step %d: %s%n", t.getTrial().getTrialId(), r.getStep(), otherMetrics(r)));
                }
            }
        }
        List<VariantRow> variants = byVariant();
        if (variants.size() > 1 || trials.size() > 1) {
            out.append(String.format("%nby variant (mean over seeds), like Table 1 of the SAGAN paper:%n"));
            out.append(String.format("%-36s %5s %10s %10s %12s %12s%n", "variant", "seeds", "best fid", "final fid",
                    "best intra", "final intra"));
            for (VariantRow v : variants) {
                out.append(String.format(Locale.ROOT, "%-36s %5d %10s %10s %12s %12s%n", cut(v.variant(), 36), v.seeds(),
                        num(v.bestFid()), num(v.finalFid()), num(v.bestIntraFid()), num(v.finalIntraFid())));
            }
        }
        return out.toString();
    }

    /** "kid 0.0123 +- 0.0010, intra-kid 0.0456, precision 0.71, ..." in the policy's order. */
    public static String otherMetrics(EvaluationResult r) {
        Map<String, Double> m = r.getMetricsMap();
        List<String> parts = new java.util.ArrayList<>();
        if (m.containsKey("kid")) {
            parts.add(String.format(Locale.ROOT, "kid %.5f +- %.5f", m.get("kid"), m.getOrDefault("kid_std", Double.NaN)));
        }
        for (String name : List.of("intra_kid", "precision", "recall", "density", "coverage")) {
            if (m.containsKey(name)) {
                parts.add(String.format(Locale.ROOT, "%s %.4f", name.replace('_', '-'), m.get(name)));
            }
        }
        return String.join(", ", parts);
    }

    public String csv() {
        StringBuilder out = new StringBuilder("experiment,trial,label,step,metric,fid,intra_fid,worker\n");
        for (TrialState t : trials) {
            for (EvaluationResult r : curves.get(t.getTrial().getTrialId())) {
                out.append(String.join(",", experimentId, t.getTrial().getTrialId(), quote(t.getLabel()),
                        String.valueOf(r.getStep()), quote(r.getMetricDefinition()), String.valueOf(r.getFid()),
                        String.valueOf(r.getIntraFid()), r.getWorkerId())).append('\n');
            }
        }
        return out.toString();
    }

    public String json() {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("schema", "gantry.results/v" + SCHEMA_VERSION);
        root.put("experiment", experimentId);
        root.put("metric", metricName);
        ArrayNode trialsNode = root.putArray("trials");
        for (TrialState t : trials) {
            ObjectNode n = trialsNode.addObject();
            n.put("trial", t.getTrial().getTrialId());
            n.put("label", t.getLabel());
            n.put("variant", variantOf(t));
            n.put("state", t.getPhase().name().toLowerCase(Locale.ROOT));
            n.put("step", t.getStep());
            n.put("totalSteps", t.getTotalSteps());
            putNumber(n, "latestFid", t.getLatestFid());
            putNumber(n, "latestIntraFid", t.getLatestIntraFid());
            if (!Double.isNaN(t.getBestFid())) {
                ObjectNode best = n.putObject("best");
                best.put("step", t.getBestFidStep());
                best.put("fid", t.getBestFid());
                best.put("checkpoint", t.getBestCheckpointUri());
            }
            if (!t.getFailureReason().isEmpty()) {
                n.put("reason", t.getFailureReason());
            }
            ObjectNode overrides = n.putObject("overrides");
            t.getOverridesMap().forEach(overrides::put);
            if (t.getLineageCount() > 0 || !t.getSpecYaml().isEmpty()) {
                // What 'gantry train --lineage' replays: a trial from scratch has one link, a fork one more per fork.
                n.set("lineage", Lineages.of(t).toJson(mapper));
            }
            if (t.getSettings().hasPbt()) {
                // PBT: the population slot this trial fills and its decision at each interval it reached.
                n.put("pbtMember", t.getPbtMember());
                ArrayNode decisions = n.putArray("pbt");
                for (dev.gantry.proto.v1.PbtDecision d : t.getPbtList()) {
                    ObjectNode o = decisions.addObject();
                    o.put("step", d.getStep());
                    putNumber(o, "value", d.getValue());
                    o.put("rank", d.getRank());
                    o.put("seen", d.getSeen());
                    o.put("decision", d.getUnevaluated() ? "unevaluated" : d.getExploited() ? "exploited" : "continued");
                    if (d.getExploited()) {
                        o.put("winner", d.getWinnerTrialId());
                        o.put("child", d.getChildTrialId());
                        ObjectNode explored = o.putObject("overrides");
                        new java.util.TreeMap<>(d.getOverridesMap()).forEach(explored::put);
                    }
                }
            }
            ArrayNode evals = n.putArray("evaluations");
            for (EvaluationResult r : curves.get(t.getTrial().getTrialId())) {
                ObjectNode e = evals.addObject();
                e.put("step", r.getStep());
                e.put("metricDefinition", r.getMetricDefinition());
                e.put("fid", r.getFid());
                e.put("intraFid", r.getIntraFid());
                ObjectNode perClass = e.putObject("perClassFid");
                r.getPerClassFidMap().forEach(perClass::put);
                if (!r.getMetricsMap().isEmpty()) {
                    ObjectNode metrics = e.putObject("metrics");
                    r.getMetricsMap().forEach(metrics::put);
                    ObjectNode perClassKid = e.putObject("perClassKid");
                    r.getPerClassKidMap().forEach(perClassKid::put);
                    e.put("metricSettings", r.getMetricSettings());
                }
                if (!r.getFeaturesUri().isEmpty()) {
                    e.put("features", r.getFeaturesUri());
                }
                e.put("checkpoint", r.getCheckpoint().getUri());
            }
        }
        ArrayNode variants = root.putArray("variants");
        for (VariantRow v : byVariant()) {
            ObjectNode n = variants.addObject();
            n.put("variant", v.variant());
            n.put("seeds", v.seeds());
            putNumber(n, "bestFid", v.bestFid());
            putNumber(n, "finalFid", v.finalFid());
            putNumber(n, "bestIntraFid", v.bestIntraFid());
            putNumber(n, "finalIntraFid", v.finalIntraFid());
        }
        try {
            return mapper.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putNumber(ObjectNode n, String field, double value) {
        if (Double.isNaN(value)) {
            n.putNull(field);
        } else {
            n.put(field, value);
        }
    }

    /** A metric for tables: two decimals, "-" before there is one. */
    /** One ASHA rung decision: "step 100: 41.2 (2 of 5) stopped". */
    public static String rung(dev.gantry.proto.v1.RungResult r) {
        if (r.getUnevaluated()) {
            return "step " + r.getStep() + ": unevaluated, continued";
        }
        return "step " + r.getStep() + ": " + num(r.getValue()) + " (" + r.getRank() + " of " + r.getSeen() + ") "
                + (r.getPromoted() ? "continued" : "stopped");
    }

    /** A PBT decision for status and results: value, rank of the results seen, and continued or exploited. */
    public static String pbt(dev.gantry.proto.v1.PbtDecision d) {
        if (d.getUnevaluated()) {
            return "step " + d.getStep() + ": unevaluated, continued";
        }
        return "step " + d.getStep() + ": " + num(d.getValue()) + " (" + d.getRank() + " of " + d.getSeen() + ") "
                + (d.getExploited() ? "exploited " + d.getWinnerTrialId() + "@" + d.getStep() + " -> "
                        + d.getChildTrialId() + " " + new java.util.TreeMap<>(d.getOverridesMap()) : "continued");
    }

    public static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
