package dev.gantry.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code experiment.search}: the points of a hyperparameter search, each a map of dotted spec
 * fields to values, crossed with variants and seeds like grid points.
 *
 * <pre>
 * search:
 *   kind: random                 # grid: every combination of the choice lists; random: samples draws
 *   samples: 8
 *   seed: 0                      # the same spec draws the same points
 *   space:
 *     training.lrG: {loguniform: [1.0e-5, 1.0e-3]}
 *     training.lrD: {uniform: [1.0e-4, 8.0e-4]}
 *     training.dStepsPerGStep: {randint: [1, 3]}
 *     model.generator.attention: {choice: [[feat16], [feat8, feat16]]}
 * </pre>
 *
 * {@code kind: asha} samples like random and adds asynchronous successive halving: {@code minSteps}
 * (a multiple of segmentSteps), {@code maxSteps} (default training.steps; every trial trains to
 * it unless stopped), {@code eta} (default 3), {@code metric} (default fid; intra-fid or a metric
 * the evaluation computes: kid, precision, recall, density, coverage) and {@code mode} (min or
 * max; default: min for fid, intra-fid and kid, max for the others).
 *
 * <p>{@code kind: pbt} is population-based training: {@code population} members drawn like random
 * search, {@code interval} (a multiple of segmentSteps below training.steps), {@code quantile}
 * (default 0.25, at most 0.5), {@code metric} and {@code mode} as ASHA, and {@code mutations}: keys
 * a fork may set ({@link ForkOverrides#TRAINING}), each {@code {perturb: [factors]}},
 * {@code {resample: DISTRIBUTION}} or both ({@link PbtExplore}).
 *
 * <p>Sampled reals are rounded to {@link #SIGNIFICANT_DIGITS} significant digits: a trial's spec is
 * YAML text, and a value that prints exactly as it is drawn replays exactly from that text (and
 * labels stay readable).
 */
final class SearchSpace {
    static final int SIGNIFICANT_DIGITS = 4;
    private static final String PATH = "experiment.search";
    private static final Set<String> KEYS = Set.of("kind", "samples", "seed", "space");
    private static final Set<String> ASHA_KEYS = Set.of("minSteps", "maxSteps", "eta", "metric", "mode");
    private static final Set<String> PBT_KEYS = Set.of("population", "interval", "quantile", "metric", "mode",
            "mutations");
    /** Fork keys whose value is a number PBT may multiply (the others may only be resampled). */
    static final Set<String> PERTURBABLE = Set.of("training.lrG", "training.lrD", "training.beta1", "training.beta2",
            "training.eps", "training.dStepsPerGStep", "training.batchSize", "training.ema.decay",
            "training.ema.startStep");
    /** Metric names an ASHA search may rank by, with the evaluation metric that produces each. */
    private static final Map<String, String> RANKABLE = Map.of("fid", "fid", "intra-fid", "fid", "kid", "kid",
            "precision", "pr", "recall", "pr", "density", "dc", "coverage", "dc");
    private static final Set<String> LOWER_IS_BETTER = Set.of("fid", "intra-fid", "kid");

    /** The search's points, and the ASHA (PBT) section's raw fields when kind is asha (pbt), else null. */
    record Parsed(List<Map<String, JsonNode>> points, JsonNode asha, JsonNode pbt) {}
    private static final Set<String> DISTRIBUTIONS = Set.of("uniform", "loguniform", "randint", "choice");

    /** One field's distribution. */
    private sealed interface Distribution {
        JsonNode draw(SplittableRandom random);
    }

    private record Uniform(double low, double high, boolean logScale) implements Distribution {
        @Override
        public JsonNode draw(SplittableRandom random) {
            double x = logScale ? Math.exp(random.nextDouble(Math.log(low), Math.log(high))) : random.nextDouble(low, high);
            return JsonNodeFactory.instance.numberNode(rounded(x, low, high));
        }
    }

    /**
     * {@code x} clamped into [low, high], then with {@link #SIGNIFICANT_DIGITS} significant digits,
     * or more where that many would round it out of the range (0.99996 in [0.9999, 0.99999] is not
     * 1.000): the value a trial's spec text holds.
     */
    static BigDecimal rounded(double x, double low, double high) {
        BigDecimal exact = new BigDecimal(Math.min(high, Math.max(low, x)));
        BigDecimal lo = new BigDecimal(low);
        BigDecimal hi = new BigDecimal(high);
        for (int digits = SIGNIFICANT_DIGITS; digits < 20; digits++) {
            BigDecimal r = exact.round(new MathContext(digits));
            if (r.compareTo(lo) >= 0 && r.compareTo(hi) <= 0) {
                return r;
            }
        }
        return exact;
    }

    private record RandInt(long low, long high) implements Distribution {
        @Override
        public JsonNode draw(SplittableRandom random) {
            return JsonNodeFactory.instance.numberNode(high == Long.MAX_VALUE ? random.nextLong(low, high)
                    : random.nextLong(low, high + 1));
        }
    }

    private record Choice(List<JsonNode> values) implements Distribution {
        @Override
        public JsonNode draw(SplittableRandom random) {
            return values.get(random.nextInt(values.size()));
        }
    }

    private SearchSpace() {}

    static boolean present(JsonNode experiment) {
        return experiment != null && experiment.has("search") && !experiment.get("search").isNull();
    }

    /**
     * The search's points in a fixed order: grid points in file order, random draws in draw order.
     * Problems go to {@code r}; the points are then not to be used.
     */
    static Parsed parse(SpecReader r, JsonNode experiment, int maxPoints) {
        JsonNode search = r.section(experiment, "experiment", "search");
        if (search == null) {
            return new Parsed(List.of(Map.of()), null, null);
        }
        String kind = r.choice(search, PATH, "kind", null, Set.of("grid", "random", "asha", "pbt"));
        Set<String> known = new java.util.HashSet<>(KEYS);
        if ("asha".equals(kind)) {
            known.addAll(ASHA_KEYS);
        }
        if ("pbt".equals(kind)) {
            known.addAll(PBT_KEYS);
            known.remove("samples");
        }
        r.onlyKnownKeys(search, PATH, known);
        return new Parsed(points(r, search, kind, maxPoints), "asha".equals(kind) ? search : null,
                "pbt".equals(kind) ? search : null);
    }

    private static List<Map<String, JsonNode>> points(SpecReader r, JsonNode search, String kind, int maxPoints) {
        JsonNode space = r.section(search, PATH, "space");
        Map<String, Distribution> fields = new LinkedHashMap<>();
        if (space == null || space.isEmpty()) {
            r.problem(PATH + ".space", "must map at least one spec field (e.g. training.lrG) to a distribution");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = space.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!PlanLoader.overridePath(r, PATH + ".space", field.getKey())) {
                    continue;
                }
                Distribution d = distribution(r, PATH + ".space." + field.getKey(), field.getValue());
                if (d != null) {
                    fields.put(field.getKey(), d);
                }
            }
        }
        if ("grid".equals(kind)) {
            if (search.has("samples") || search.has("seed")) {
                r.problem(PATH, "samples and seed belong to kind: random; a grid takes every combination");
            }
            return grid(r, fields, maxPoints);
        }
        String count = "pbt".equals(kind) ? "population" : "samples";
        int samples = r.integer(search, PATH, count, 0, "pbt".equals(kind) ? 2 : 1, maxPoints);
        if (!search.has(count)) {
            r.problem(PATH + "." + count, "is required for kind: " + kind + " (" + ("pbt".equals(kind) ? 2 : 1) + " to "
                    + maxPoints + ")");
        }
        long seed = r.longValue(search, PATH, "seed", 0);
        if (!r.problems().isEmpty()) {
            return List.of(Map.of());
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Map<String, JsonNode>> points = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            Map<String, JsonNode> point = new LinkedHashMap<>();
            fields.forEach((name, d) -> point.put(name, d.draw(random)));
            points.add(point);
        }
        return points;
    }

    /**
     * The ASHA settings of {@code search}, validated against the experiment they run in.
     *
     * @param trainingSteps the base spec's training.steps, maxSteps' default
     * @param setMetrics the evaluation's metrics beside FID ("kid", "pr", "dc")
     */
    static ExperimentPlan.Asha asha(SpecReader r, JsonNode search, long trainingSteps, long segmentSteps,
            List<String> setMetrics) {
        long minSteps = r.longValue(search, PATH, "minSteps", 0);
        long maxSteps = r.longValue(search, PATH, "maxSteps", trainingSteps);
        int eta = r.integer(search, PATH, "eta", 3, 2, 100);
        String metric = metric(r, search, setMetrics);
        boolean maximize = maximize(r, search, metric);
        if (!search.has("minSteps")) {
            r.problem(PATH + ".minSteps", "is required for kind: asha (the first rung)");
        } else if (minSteps < 1 || (segmentSteps > 0 && minSteps % segmentSteps != 0)) {
            r.problem(PATH + ".minSteps", "must be a positive multiple of experiment.segmentSteps (" + segmentSteps
                    + "): rungs are evaluated at the checkpoints segments end with");
        } else if (minSteps >= maxSteps) {
            r.problem(PATH + ".minSteps", minSteps + " must be below maxSteps (" + maxSteps + ")");
        }
        List<Long> rungs = new ArrayList<>();
        for (long step = minSteps; minSteps > 0 && step < maxSteps; step = step > maxSteps / eta ? maxSteps : step * eta) {
            rungs.add(step);
        }
        return new ExperimentPlan.Asha(minSteps, maxSteps, eta, metric, maximize, rungs);
    }

    /** The metric a searcher ranks by; one the evaluation does not compute is a problem. */
    private static String metric(SpecReader r, JsonNode search, List<String> setMetrics) {
        String metric = r.choice(search, PATH, "metric", "fid", RANKABLE.keySet());
        String producer = RANKABLE.get(metric);
        if (producer != null && !producer.equals("fid") && !setMetrics.contains(producer)) {
            r.problem(PATH + ".metric", metric + " needs '" + producer + "' in experiment.evaluation.metrics");
        }
        return metric;
    }

    private static boolean maximize(SpecReader r, JsonNode search, String metric) {
        return r.choice(search, PATH, "mode", LOWER_IS_BETTER.contains(metric) ? "min" : "max", Set.of("min", "max"))
                .equals("max");
    }

    /**
     * The PBT settings of {@code search}, validated against the experiment they run in.
     *
     * @param trainingSteps the base spec's training.steps: intervals are the multiples of interval below it
     * @param population the number of trials the plan expands into
     */
    static ExperimentPlan.Pbt pbt(SpecReader r, JsonNode search, long trainingSteps, long segmentSteps,
            List<String> setMetrics, int population) {
        long interval = r.longValue(search, PATH, "interval", 0);
        double quantile = r.number(search, PATH, "quantile", 0.25, 0.0, 0.5);
        String metric = metric(r, search, setMetrics);
        boolean maximize = maximize(r, search, metric);
        long seed = r.longValue(search, PATH, "seed", 0);
        if (!search.has("interval")) {
            r.problem(PATH + ".interval", "is required for kind: pbt (steps between exploit/explore decisions)");
        } else if (interval < 1 || (segmentSteps > 0 && interval % segmentSteps != 0)) {
            r.problem(PATH + ".interval", "must be a positive multiple of experiment.segmentSteps (" + segmentSteps
                    + "): members are evaluated at the checkpoints segments end with");
        } else if (interval >= trainingSteps) {
            r.problem(PATH + ".interval", interval + " must be below training.steps (" + trainingSteps + ")");
        }
        if (search.has("quantile") && !(quantile > 0)) {
            r.problem(PATH + ".quantile", "must be above 0 and at most 0.5");
        }
        List<ExperimentPlan.Mutation> mutations = mutations(r, r.section(search, PATH, "mutations"));
        List<Long> steps = new ArrayList<>();
        for (long step = interval; interval > 0 && step < trainingSteps; step += interval) {
            steps.add(step);
        }
        return new ExperimentPlan.Pbt(population, interval, quantile, metric, maximize, steps, seed, mutations);
    }

    /** {@code mutations: {KEY: {perturb: [0.8, 1.2]}, KEY: {resample: DISTRIBUTION}}}, keys a fork may set. */
    private static List<ExperimentPlan.Mutation> mutations(SpecReader r, JsonNode section) {
        String path = PATH + ".mutations";
        List<ExperimentPlan.Mutation> out = new ArrayList<>();
        if (section == null || section.isEmpty()) {
            r.problem(path, "must map at least one field a fork may set (e.g. training.lrG) to {perturb: [0.8, 1.2]}"
                    + " or {resample: DISTRIBUTION}");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            String at = path + "." + key;
            JsonNode m = field.getValue();
            if (!ForkOverrides.TRAINING.contains(key)) {
                r.problem(at, "not a field PBT may mutate: an exploit is a fork, which continues the parent's networks;"
                        + " allowed: " + new java.util.TreeSet<>(ForkOverrides.TRAINING));
                continue;
            }
            if (!m.isObject() || m.isEmpty()) {
                r.problem(at, "must be {perturb: [factors]}, {resample: DISTRIBUTION} or both");
                continue;
            }
            r.onlyKnownKeys(m, at, Set.of("perturb", "resample"));
            List<Double> factors = new ArrayList<>();
            if (m.has("perturb")) {
                JsonNode f = m.get("perturb");
                if (!PERTURBABLE.contains(key)) {
                    r.problem(at + ".perturb", key + " is not a number to multiply; use resample");
                } else if (!f.isArray() || f.isEmpty()) {
                    r.problem(at + ".perturb", "must be a non-empty list of positive factors, e.g. [0.8, 1.2]");
                } else {
                    for (JsonNode x : f) {
                        if (!x.isNumber() || !(x.asDouble() > 0) || !Double.isFinite(x.asDouble())) {
                            r.problem(at + ".perturb", "must be a non-empty list of positive factors, e.g. [0.8, 1.2]"
                                    + " (got '" + x.asText() + "')");
                            break;
                        }
                        factors.add(x.asDouble());
                    }
                }
            }
            String resample = "";
            if (m.has("resample")) {
                if (distribution(r, at + ".resample", m.get("resample")) != null) {
                    resample = m.get("resample").toString();
                }
            }
            out.add(new ExperimentPlan.Mutation(key, factors, resample));
        }
        return out;
    }

    /** A draw from a distribution written as {@link #distribution} reads it (already validated). */
    static JsonNode draw(JsonNode distribution, SplittableRandom random) {
        SpecReader r = new SpecReader("resample", YamlLocations.empty());
        Distribution d = distribution(r, "resample", distribution);
        if (d == null) {
            throw new SpecException(r.problems());
        }
        return d.draw(random);
    }

    private static List<Map<String, JsonNode>> grid(SpecReader r, Map<String, Distribution> fields, int maxPoints) {
        long size = 1;
        for (Map.Entry<String, Distribution> f : fields.entrySet()) {
            if (!(f.getValue() instanceof Choice c)) {
                r.problem(PATH + ".space." + f.getKey(), "a grid needs a list of values ({choice: [...]} or [...])");
                return List.of(Map.of());
            }
            size = Math.min((long) maxPoints + 1, size * c.values().size());
        }
        if (size > maxPoints) {
            r.problem(PATH + ".space", "its choices cross to more than " + maxPoints + " points");
        }
        if (!r.problems().isEmpty()) {
            return List.of(Map.of());
        }
        List<Map<String, JsonNode>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Map.Entry<String, Distribution> f : fields.entrySet()) {
            points = PlanLoader.cross(points, f.getKey(), ((Choice) f.getValue()).values());
        }
        return points;
    }

    /** A plain list is a choice; otherwise exactly one of uniform, loguniform, randint, choice. */
    private static Distribution distribution(SpecReader r, String path, JsonNode node) {
        if (node.isArray()) {
            return choice(r, path, node);
        }
        if (!node.isObject() || node.size() != 1 || !DISTRIBUTIONS.contains(node.fieldNames().next())) {
            r.problem(path, "must be a list of values or one of {uniform: [low, high]}, {loguniform: [low, high]},"
                    + " {randint: [low, high]}, {choice: [...]}");
            return null;
        }
        String name = node.fieldNames().next();
        JsonNode args = node.get(name);
        String at = path + "." + name;
        if (name.equals("choice")) {
            return args.isArray() ? choice(r, at, args) : invalid(r, at, "must be a non-empty list of values");
        }
        if (!args.isArray() || args.size() != 2 || !args.get(0).isNumber() || !args.get(1).isNumber()) {
            return invalid(r, at, "must be [low, high] (two numbers)");
        }
        if (name.equals("randint")) {
            if (!args.get(0).canConvertToExactIntegral() || !args.get(1).canConvertToExactIntegral()
                    || args.get(0).asLong() > args.get(1).asLong()) {
                return invalid(r, at, "must be two whole numbers, low <= high (both included)");
            }
            return new RandInt(args.get(0).asLong(), args.get(1).asLong());
        }
        double low = args.get(0).asDouble();
        double high = args.get(1).asDouble();
        boolean log = name.equals("loguniform");
        if (!(low < high) || !Double.isFinite(low) || !Double.isFinite(high) || (log && low <= 0)) {
            return invalid(r, at, "must be [low, high] with low < high" + (log ? " and low > 0" : ""));
        }
        return new Uniform(low, high, log);
    }

    private static Distribution choice(SpecReader r, String path, JsonNode values) {
        if (values.isEmpty()) {
            return invalid(r, path, "must be a non-empty list of values");
        }
        List<JsonNode> list = new ArrayList<>();
        values.forEach(list::add);
        return new Choice(list);
    }

    private static Distribution invalid(SpecReader r, String path, String message) {
        r.problem(path, message);
        return null;
    }
}
