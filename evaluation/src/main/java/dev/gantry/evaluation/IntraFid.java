package dev.gantry.evaluation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Intra-FID (Miyato and Koyama 2018): the Frechet distance between each class's generated and
 * real statistics, averaged over classes.
 */
public final class IntraFid {
    /** @param perClass FD by class name, in class order */
    public record Result(Map<String, Double> perClass, double mean) {}

    private IntraFid() {}

    /** Both maps are keyed by class name and must hold the same classes. */
    public static Result compute(Map<String, GaussianStats> real, Map<String, GaussianStats> generated) {
        if (!real.keySet().equals(generated.keySet())) {
            throw new StatisticsException("intra-FID needs the same classes on both sides: real " + real.keySet()
                    + ", generated " + generated.keySet());
        }
        if (real.isEmpty()) {
            throw new StatisticsException("intra-FID needs at least one class");
        }
        Map<String, Double> perClass = new LinkedHashMap<>();
        double sum = 0;
        for (Map.Entry<String, GaussianStats> e : real.entrySet()) {
            double fd = FrechetDistance.between(e.getValue(), generated.get(e.getKey()), "real statistics of class "
                    + e.getKey(), "generated statistics of class " + e.getKey());
            perClass.put(e.getKey(), fd);
            sum += fd;
        }
        return new Result(perClass, sum / perClass.size());
    }
}
