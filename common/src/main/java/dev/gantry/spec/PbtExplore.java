package dev.gantry.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * PBT's explore step: the hyperparameters a member continues with after it exploits another
 * (Jaderberg et al. 2017, "perturb" and "resample"). Every draw comes from
 * {@link #random(long, int, long)}: the same experiment seed, member and step give the same
 * mutation, whatever order the population's results arrived in.
 */
public final class PbtExplore {
    /** With both perturb and resample given, the chance a field is resampled (Ray Tune's default). */
    public static final double RESAMPLE_PROBABILITY = 0.25;
    private static final ObjectMapper JSON = new ObjectMapper();

    private PbtExplore() {}

    /** The randomness of one decision: a pure function of (seed, member, step). */
    public static SplittableRandom random(long seed, int member, long step) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 31)) + member * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ (h >>> 29)) + step * 0x165667B19E3779F9L;
        return new SplittableRandom(h ^ (h >>> 32));
    }

    /**
     * The explored values, as fork overrides (key -> value text), from the exploited member's spec.
     * Reals are rounded to 4 significant digits like drawn ones, so the child's spec text holds
     * exactly the value it trains with; whole-number fields are rounded and kept at least 1 (0 for
     * training.ema.startStep). EMA fields are left alone where the parent keeps no EMA generator.
     */
    public static Map<String, String> explore(List<ExperimentPlan.Mutation> mutations, ExperimentSpec parent,
            SplittableRandom random) {
        Map<String, String> out = new TreeMap<>();
        for (ExperimentPlan.Mutation m : mutations) {
            if (m.key().startsWith("training.ema.") && !parent.training().hasEma()) {
                continue;
            }
            boolean resample = !m.resampleJson().isEmpty()
                    && (m.perturb().isEmpty() || random.nextDouble() < RESAMPLE_PROBABILITY);
            if (resample) {
                try {
                    out.put(m.key(), SearchSpace.draw(JSON.readTree(m.resampleJson()), random).asText());
                } catch (JsonProcessingException e) {
                    throw new SpecException(List.of("PBT mutation " + m.key() + ": " + e.getOriginalMessage()));
                }
            } else if (!m.perturb().isEmpty()) {
                double factor = m.perturb().get(random.nextInt(m.perturb().size()));
                out.put(m.key(), perturbed(m.key(), current(m.key(), parent.training()), factor));
            }
        }
        return out;
    }

    /**
     * The perturbed value, kept inside the range the spec loader accepts for the field (beta2 0.999
     * times 1.2 would not be a spec at all): a value past a bound becomes the bound.
     */
    private static String perturbed(String key, double value, double factor) {
        double x = value * factor;
        return switch (key) {
            case "training.dStepsPerGStep" -> Long.toString(Math.min(100, Math.max(1, Math.round(x))));
            case "training.batchSize" -> Long.toString(Math.min(4096, Math.max(1, Math.round(x))));
            case "training.ema.startStep" -> Long.toString(Math.max(0, Math.round(x)));
            case "training.beta1", "training.beta2" -> SearchSpace.rounded(x, 0.0, 0.999999).toString();
            case "training.ema.decay" -> SearchSpace.rounded(x, 1e-6, 0.999999).toString();
            case "training.eps" -> SearchSpace.rounded(x, Double.MIN_NORMAL, 1.0).toString();
            default -> SearchSpace.rounded(x, Double.MIN_NORMAL, 1.0).toString();  // learning rates
        };
    }

    private static double current(String key, TrainingSpec t) {
        return switch (key) {
            case "training.lrG" -> t.lrG();
            case "training.lrD" -> t.lrD();
            case "training.beta1" -> t.beta1();
            case "training.beta2" -> t.beta2();
            case "training.eps" -> t.eps();
            case "training.dStepsPerGStep" -> t.dStepsPerGStep();
            case "training.batchSize" -> t.batchSize();
            case "training.ema.decay" -> t.ema().decay();
            case "training.ema.startStep" -> t.ema().startStep();
            default -> throw new IllegalArgumentException(key + " is not a number PBT may perturb");
        };
    }
}
