package dev.gantry.coordinator;

import dev.gantry.proto.v1.AshaSettings;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.RungResult;
import java.util.Collection;
import java.util.OptionalDouble;

/**
 * The ASHA decision at a rung (Li et al. 2020, asynchronous successive halving, in its stopping
 * form as Ray Tune and Determined run it): a trial that reaches a rung continues only if it ranks
 * in the top max(1, floor(n / eta)) of the n results seen at that rung so far, its own included.
 * Nothing waits for a rung to fill: the first trial at a rung always continues, and later ones are
 * judged against what is there when they arrive. Pure: the same results give the same decision.
 */
final class AshaRungs {
    private AshaRungs() {}

    /**
     * @param value the trial's metric at the rung (NaN, as from a diverged run, ranks last)
     * @param seen the values other trials recorded at this rung before it
     */
    static RungResult decide(AshaSettings asha, long step, double value, Collection<Double> seen) {
        int better = 0;
        for (double other : seen) {
            if (isBetter(asha, other, value)) {
                better++;
            }
        }
        int count = seen.size() + 1;
        int rank = better + 1;
        int promotedCount = Math.max(1, count / asha.getEta());
        return RungResult.newBuilder().setStep(step).setValue(value).setRank(rank).setSeen(count)
                .setPromoted(rank <= promotedCount).build();
    }

    /** Strictly better; a NaN is never better, and a finite value is better than a NaN. */
    static boolean isBetter(AshaSettings asha, double a, double b) {
        return isBetter(asha.getMaximize(), a, b);
    }

    static boolean isBetter(boolean maximize, double a, double b) {
        if (Double.isNaN(a)) {
            return false;
        }
        if (Double.isNaN(b)) {
            return true;
        }
        return maximize ? a > b : a < b;
    }

    /** The metric ASHA ranks by, from a result; empty when the result does not carry it. */
    static OptionalDouble metric(AshaSettings asha, EvaluationResult result) {
        return metric(asha.getMetric(), result);
    }

    /** A searcher's metric ("fid", "intra-fid", "kid", ...) from a result; empty when the result does not carry it. */
    static OptionalDouble metric(String metric, EvaluationResult result) {
        return switch (metric) {
            case "fid", "" -> OptionalDouble.of(result.getFid());
            case "intra-fid" -> OptionalDouble.of(result.getIntraFid());
            default -> result.containsMetrics(metric)
                    ? OptionalDouble.of(result.getMetricsOrThrow(metric)) : OptionalDouble.empty();
        };
    }

    /** Why a trial stopped, for status and results. */
    static String stopReason(AshaSettings asha, RungResult r) {
        return String.format(java.util.Locale.ROOT, "stopped by ASHA at step %d: %s %.4g ranked %d of %d (top %d continue)",
                r.getStep(), asha.getMetric().isEmpty() ? "fid" : asha.getMetric(), r.getValue(), r.getRank(), r.getSeen(),
                Math.max(1, r.getSeen() / asha.getEta()));
    }
}
