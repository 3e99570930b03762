package dev.gantry.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.gantry.cluster.MetricNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Expands a spec file into an {@link ExperimentPlan}. The {@code experiment:} section is
 * optional; without it the file is one trial. Every trial's spec is validated by
 * {@link SpecLoader}, and every problem names the file, the line and the field.
 *
 * <pre>
 * experiment:
 *   seeds: [1, 2]                  # one trial per seed (default: training.seed)
 *   variants:                      # named variants of the base spec (default: the base spec)
 *     - name: sn-g-d
 *       set: {training.ttur: false, training.lrD: null}
 *   grid:                          # crossed with the variants: one trial per combination
 *     training.lrG: [1.0e-4, 2.0e-4]
 *   search: {kind: random, samples: 8, seed: 0,   # instead of grid: see SearchSpace
 *            space: {training.lrG: {loguniform: [1.0e-5, 1.0e-3]}}}
 *   segmentSteps: 100              # steps per training task
 *   evaluation: {everySteps: 500, finalStep: true, extractor: fmnist-cnn-v1, split: test,
 *                samplesPerClass: 0, seed: 0, generator: ema}   # generator: raw (default without training.ema) or ema
 *   retention: {keepLatest: 2}
 * </pre>
 */
public final class PlanLoader {
    public static final int MAX_TRIALS = 10_000;
    /** Generated images per class an evaluation may ask for. */
    public static final int MAX_SAMPLES_PER_CLASS = 1_000_000;
    private static final Set<String> EXPERIMENT = Set.of("seeds", "variants", "grid", "search", "segmentSteps",
            "evaluation", "retention");
    private static final Set<String> EVALUATION = Set.of("everySteps", "finalStep", "extractor", "split",
            "samplesPerClass", "seed", "generator", "metrics");
    private static final Set<String> EXTRACTORS = Set.copyOf(MetricNames.Extractor.ids());
    private static final ObjectMapper YAML = new ObjectMapper(SpecLoader.yamlFactory().rebuild()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());

    private PlanLoader() {}

    /** experiment.evaluation.metrics: a list of fid, kid, pr, dc; FID is computed in any case. */
    private static List<String> metrics(SpecReader r, JsonNode ev) {
        JsonNode node = ev == null ? null : ev.get("metrics");
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else {
            items.add(node);
        }
        java.util.EnumSet<MetricNames.SetMetric> chosen = java.util.EnumSet.noneOf(MetricNames.SetMetric.class);
        for (JsonNode item : items) {
            var metric = MetricNames.SetMetric.bySpecName(item.asText());
            if (!item.isTextual() || metric.isEmpty()) {
                r.problem("experiment.evaluation.metrics", "'" + item.asText() + "' is not one of "
                        + MetricNames.SetMetric.specNames());
            } else {
                chosen.add(metric.get());
            }
        }
        chosen.remove(MetricNames.SetMetric.FID);
        return chosen.stream().map(MetricNames.SetMetric::specName).toList();
    }

    /** ema by default where the base spec keeps an EMA generator (what it is kept for), raw otherwise. */
    private static GeneratorChoice generator(SpecReader r, JsonNode ev, ExperimentSpec base) {
        GeneratorChoice fallback = base.training().hasEma() ? GeneratorChoice.EMA : GeneratorChoice.RAW;
        String name = r.choice(ev, "experiment.evaluation", "generator", fallback.specName(),
                Set.of(GeneratorChoice.RAW.specName(), GeneratorChoice.EMA.specName()));
        GeneratorChoice choice = GeneratorChoice.bySpecName(name).orElse(fallback);
        if (choice == GeneratorChoice.EMA && !base.training().hasEma()) {
            r.problem("experiment.evaluation.generator", "ema needs training.ema (e.g. {decay: 0.9999, startStep: 1000})");
        }
        return choice;
    }

    public static ExperimentPlan load(Path file) {
        return parse(SpecLoader.read(file), file.toString());
    }

    public static ExperimentPlan parse(String yaml, String source) {
        ExperimentSpec base = SpecLoader.parse(yaml, source);  // the base spec must be valid on its own
        JsonNode root;
        YamlLocations locations;
        try {
            root = YAML.readTree(yaml);
            locations = YamlLocations.of(yaml);
        } catch (IOException e) {
            throw new SpecException(List.of(source + ": cannot parse: " + e.getMessage()));
        }
        SpecReader r = new SpecReader(source, locations);
        JsonNode exp = r.section(root, "", "experiment");
        r.onlyKnownKeys(exp, "experiment", EXPERIMENT);

        List<Long> seeds = seeds(r, exp, base.training().seed());
        List<Variant> variants = variants(r, exp);
        List<Map<String, JsonNode>> grid;
        JsonNode ashaSection = null;
        JsonNode pbtSection = null;
        if (SearchSpace.present(exp)) {
            if (exp.has("grid") && !exp.get("grid").isNull()) {
                r.problem("experiment.search", "takes the place of experiment.grid: use one of them");
            }
            SearchSpace.Parsed search = SearchSpace.parse(r, exp, MAX_TRIALS);
            grid = search.points();
            ashaSection = search.asha();
            pbtSection = search.pbt();
        } else {
            grid = grid(r, exp);
        }
        long segment = r.longValue(exp, "experiment", "segmentSteps", Math.min(100, base.training().steps()));
        if (segment < 1) {
            r.problem("experiment.segmentSteps", "must be at least 1 (got " + segment + ")");
        }
        JsonNode ev = r.section(exp, "experiment", "evaluation");
        r.onlyKnownKeys(ev, "experiment.evaluation", EVALUATION);
        long every = r.longValue(ev, "experiment.evaluation", "everySteps", 0);
        if (every < 0) {
            r.problem("experiment.evaluation.everySteps", "must be 0 (final step only) or positive");
        }
        ExperimentPlan.Evaluation evaluation = new ExperimentPlan.Evaluation(every,
                r.bool(ev, "experiment.evaluation", "finalStep", true),
                r.choice(ev, "experiment.evaluation", "extractor", "fmnist-cnn-v1", EXTRACTORS),
                r.choice(ev, "experiment.evaluation", "split", "test", Set.of("train", "test")),
                r.integer(ev, "experiment.evaluation", "samplesPerClass", 0, 0, MAX_SAMPLES_PER_CLASS),
                r.longValue(ev, "experiment.evaluation", "seed", 0),
                generator(r, ev, base), metrics(r, ev));
        if (every > 0 && segment > 0 && every % segment != 0) {
            r.problem("experiment.evaluation.everySteps", every + " is not a multiple of segmentSteps (" + segment
                    + "): evaluations read the checkpoints that segments end with");
        }
        if (evaluation.samplesPerClass() == 1) {
            r.problem("experiment.evaluation.samplesPerClass", "must be 0 (the real class counts) or at least 2");
        }
        ExperimentPlan.Asha asha = ashaSection == null ? null
                : SearchSpace.asha(r, ashaSection, base.training().steps(), segment, evaluation.metrics());
        long count = (long) seeds.size() * Math.max(1, variants.size()) * Math.max(1, grid.size());
        ExperimentPlan.Pbt pbt = pbtSection == null ? null : SearchSpace.pbt(r, pbtSection, base.training().steps(),
                segment, evaluation.metrics(), (int) Math.min(count, MAX_TRIALS));
        if (pbt != null && !base.training().hasEma()) {
            pbt.mutations().stream().filter(m -> m.key().startsWith("training.ema.")).forEach(m -> r.problem(
                    "experiment.search.mutations." + m.key(), "the trials keep no EMA generator (training.ema)"));
        }
        JsonNode retention = r.section(exp, "experiment", "retention");
        r.onlyKnownKeys(retention, "experiment.retention", Set.of("keepLatest"));
        int keepLatest = r.integer(retention, "experiment.retention", "keepLatest", 2, 1, 1000);
        if (count > MAX_TRIALS) {
            r.problem("experiment", "expands to " + count + " trials; at most " + MAX_TRIALS + " per experiment");
        }
        if (!r.problems().isEmpty()) {
            throw new SpecException(r.problems());
        }

        ObjectNode baseTree = ((ObjectNode) root).deepCopy();
        baseTree.remove("experiment");
        List<ExperimentPlan.Trial> trials = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Variant variant : variants) {
            for (Map<String, JsonNode> point : grid) {
                for (long seed : seeds) {
                    Map<String, JsonNode> overrides = new LinkedHashMap<>(variant.set());
                    overrides.putAll(point);
                    ObjectNode tree = baseTree.deepCopy();
                    Map<String, String> shown = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonNode> o : overrides.entrySet()) {
                        apply(tree, o.getKey(), o.getValue());
                        shown.put(o.getKey(), o.getValue().isNull() ? "default" : o.getValue().asText());
                    }
                    String label = label(variant.name(), point, seed, seeds.size() > 1);
                    if (tree.has("training") && !tree.get("training").isObject()) {
                        // The seed goes into training below; a variant that made it a value leaves nowhere to put it.
                        problems.add(source + ": trial " + label + ": training: must be a mapping of fields, an override set it to '"
                                + tree.get("training").asText() + "'");
                        continue;
                    }
                    tree.withObjectProperty("training").put("seed", seed);
                    if (asha != null) {
                        tree.withObjectProperty("training").put("steps", asha.maxSteps());
                    }
                    try {
                        String trialYaml = YAML.writeValueAsString(tree);
                        ExperimentSpec spec = SpecLoader.parse(trialYaml, source + " (trial " + label + ")");
                        if (evaluation.generator() == GeneratorChoice.EMA && !spec.training().hasEma()) {
                            problems.add(source + ": trial " + label + ": experiment.evaluation.generator: ema needs"
                                    + " training.ema in every trial");
                        }
                        trials.add(new ExperimentPlan.Trial(label, shown, seed, trialYaml, spec));
                    } catch (SpecException e) {
                        problems.addAll(e.problems());
                    } catch (JsonProcessingException e) {
                        problems.add(source + ": trial " + label + ": " + e.getMessage());
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        return new ExperimentPlan(base.name(), trials, segment, evaluation, keepLatest, java.util.Optional.ofNullable(asha),
                java.util.Optional.ofNullable(pbt));
    }

    private record Variant(String name, Map<String, JsonNode> set) {}

    private static List<Long> seeds(SpecReader r, JsonNode exp, long fallback) {
        JsonNode node = exp == null ? null : exp.get("seeds");
        if (node == null || node.isNull()) {
            return List.of(fallback);
        }
        List<Long> seeds = new ArrayList<>();
        JsonNode items = node.isArray() ? node : YAML.createArrayNode().add(node);
        for (int i = 0; i < items.size(); i++) {
            if (!items.get(i).canConvertToExactIntegral()) {
                r.problem("experiment.seeds[" + i + "]", "must be a whole number (got '" + items.get(i).asText() + "')");
            } else if (seeds.contains(items.get(i).asLong())) {
                r.problem("experiment.seeds[" + i + "]", "seed " + items.get(i).asLong() + " is listed twice");
            } else {
                seeds.add(items.get(i).asLong());
            }
        }
        if (seeds.isEmpty() && r.problems().isEmpty()) {
            r.problem("experiment.seeds", "must list at least one seed");
        }
        return seeds;
    }

    private static List<Variant> variants(SpecReader r, JsonNode exp) {
        JsonNode node = exp == null ? null : exp.get("variants");
        if (node == null || node.isNull()) {
            return List.of(new Variant("", Map.of()));
        }
        if (!node.isArray() || node.isEmpty()) {
            r.problem("experiment.variants", "must be a non-empty list of {name, set}");
            return List.of(new Variant("", Map.of()));
        }
        List<Variant> variants = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "experiment.variants[" + i + "]";
            JsonNode v = node.get(i);
            r.onlyKnownKeys(v, path, Set.of("name", "set"));
            String name = r.string(v, path, "name", null);
            if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._+-]{0,39}")) {
                r.problem(path + ".name", "is required: 1-40 letters, digits, '.', '_', '+' or '-'");
                continue;
            }
            if (variants.stream().anyMatch(x -> x.name().equals(name))) {
                r.problem(path + ".name", "'" + name + "' is used twice");
            }
            JsonNode set = r.section(v, path, "set");
            Map<String, JsonNode> values = new LinkedHashMap<>();
            if (set != null) {
                set.fields().forEachRemaining(f -> {
                    if (overridePath(r, path + ".set", f.getKey())) {
                        values.put(f.getKey(), f.getValue());
                    }
                });
            }
            variants.add(new Variant(name, values));
        }
        return variants;
    }

    /** The cross product of the grid's value lists, in file order; one empty point without a grid. */
    private static List<Map<String, JsonNode>> grid(SpecReader r, JsonNode exp) {
        JsonNode node = r.section(exp, "experiment", "grid");
        List<Map<String, JsonNode>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        if (node == null || node.isNull()) {
            return points;
        }
        // Count before building: 12 fields of 4 values would be 16.7 million maps.
        long size = 1;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            size = Math.min((long) MAX_TRIALS + 1, size * Math.max(1, it.next().getValue().size()));
        }
        if (size > MAX_TRIALS) {
            r.problem("experiment.grid", "its value lists cross to more than " + MAX_TRIALS + " points; at most "
                    + MAX_TRIALS + " trials per experiment");
            return points;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!overridePath(r, "experiment.grid", field.getKey())) {
                continue;
            }
            if (!field.getValue().isArray() || field.getValue().isEmpty()) {
                r.problem("experiment.grid." + field.getKey(), "must be a non-empty list of values");
                continue;
            }
            points = cross(points, field.getKey(), field.getValue());
        }
        return points;
    }

    /** Each point once per value of {@code field}, in order: one step of a grid's cross product. */
    static List<Map<String, JsonNode>> cross(List<Map<String, JsonNode>> points, String field, Iterable<JsonNode> values) {
        List<Map<String, JsonNode>> next = new ArrayList<>();
        for (Map<String, JsonNode> point : points) {
            for (JsonNode value : values) {
                Map<String, JsonNode> p = new LinkedHashMap<>(point);
                p.put(field, value);
                next.add(p);
            }
        }
        return next;
    }

    private static final java.util.regex.Pattern FIELD_PATH =
            java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9]*)*");

    /**
     * Whether a variant's, the grid's or a search space's key is a dotted path of spec field names,
     * such as training.lrG: "." or "a..b" have no field to set, and the experiment section is the
     * plan itself, not something a trial can vary.
     */
    static boolean overridePath(SpecReader r, String section, String key) {
        if (!FIELD_PATH.matcher(key).matches()) {
            r.problem(section + "." + key, "'" + key + "' is not a dotted path of spec fields like training.lrG");
            return false;
        }
        if (key.equals("experiment") || key.startsWith("experiment.")) {
            r.problem(section + "." + key, "the experiment section cannot vary between trials");
            return false;
        }
        return true;
    }

    /** Sets (or with null removes) a dotted field path in the spec tree. */
    static void apply(ObjectNode tree, String path, JsonNode value) {
        String[] parts = path.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode)) {
                child = node.putObject(parts[i]);
            }
            node = (ObjectNode) child;
        }
        if (value.isNull()) {
            node.remove(parts[parts.length - 1]);
        } else {
            node.set(parts[parts.length - 1], value);
        }
    }

    private static String label(String variant, Map<String, JsonNode> point, long seed, boolean showSeed) {
        List<String> parts = new ArrayList<>();
        if (!variant.isEmpty()) {
            parts.add(variant);
        }
        point.forEach((k, v) -> parts.add(k.substring(k.lastIndexOf('.') + 1) + "=" + v.asText()));
        if (showSeed || parts.isEmpty()) {
            parts.add("seed=" + seed);
        }
        return String.join(",", parts);
    }
}
