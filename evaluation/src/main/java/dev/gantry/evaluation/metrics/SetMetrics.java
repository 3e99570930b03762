package dev.gantry.evaluation.metrics;

import dev.gantry.cluster.MetricNames.SetMetric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The metrics beside FID that an evaluation policy asks for, from the real and generated features
 * of one evaluation: KID (100 subsets of up to 1000, as torch-fidelity and clean-fid) and intra-KID
 * (the same per class, averaged), improved precision and recall (k = 3), density and coverage (k = 5).
 */
public final class SetMetrics {
    public static final int KID_SUBSETS = 100;
    public static final int KID_SUBSET_SIZE = 1000;
    public static final int PR_K = 3;
    public static final int DC_K = 5;

    /** @param values by result name; perClassKid by class name; settings as EvaluationResult.metric_settings */
    public record Values(Map<String, Double> values, Map<String, Double> perClassKid, String settings) {}

    private SetMetrics() {}

    public static Values compute(LabeledFeatures real, LabeledFeatures generated, List<String> classNames,
            Set<SetMetric> metrics, long seed) {
        Map<String, Double> values = new LinkedHashMap<>();
        Map<String, Double> perClass = new LinkedHashMap<>();
        StringBuilder settings = new StringBuilder();
        Features realAll = real.rows(-1);
        Features fakeAll = generated.rows(-1);
        if (metrics.contains(SetMetric.KID)) {
            int size = Math.min(KID_SUBSET_SIZE, Math.min(realAll.n(), fakeAll.n()));
            KernelInceptionDistance.Result kid = KernelInceptionDistance.compute(realAll, fakeAll, KID_SUBSETS, size, seed);
            values.put("kid", kid.mean());
            values.put("kid_std", kid.std());
            double sum = 0;
            for (int c = 0; c < classNames.size(); c++) {
                Features r = real.rows(c);
                Features f = generated.rows(c);
                int m = Math.min(KID_SUBSET_SIZE, Math.min(r.n(), f.n()));
                double v = KernelInceptionDistance.compute(r, f, KID_SUBSETS, m, seed + 1 + c).mean();
                perClass.put(classNames.get(c), v);
                sum += v;
            }
            values.put("intra_kid", sum / classNames.size());
            settings.append("kid:subsets=").append(KID_SUBSETS).append(",size=").append(size)
                    .append(",class-size<=").append(KID_SUBSET_SIZE).append(",seed=").append(seed);
        }
        if (metrics.contains(SetMetric.PR)) {
            NearestNeighbourMetrics.PrecisionRecall pr = NearestNeighbourMetrics.precisionRecall(realAll, fakeAll, PR_K);
            values.put("precision", pr.precision());
            values.put("recall", pr.recall());
            settings.append(settings.isEmpty() ? "" : ";").append("pr:k=").append(PR_K);
        }
        if (metrics.contains(SetMetric.DC)) {
            NearestNeighbourMetrics.DensityCoverage dc = NearestNeighbourMetrics.densityCoverage(realAll, fakeAll, DC_K);
            values.put("density", dc.density());
            values.put("coverage", dc.coverage());
            settings.append(settings.isEmpty() ? "" : ";").append("dc:k=").append(DC_K);
        }
        return new Values(values, perClass, settings.toString());
    }
}
