package dev.gantry.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one place where the overrides of a fork ({@code gantry fork TRIAL@STEP --set key=value})
 * are checked and applied. A fork continues the parent's networks and optimizer state, so it may
 * change how training goes on (learning rates, betas, eps, D steps, batch size, seed, EMA decay),
 * the trial's length and its evaluation policy, but never what the state is made of: a key that
 * would change the model's shape (any model.* field, the data set's kind or channels, adding or
 * removing training.ema) is refused with the field named.
 */
public final class ForkOverrides {
    /** Keys that change the trajectory from the fork's first step on. */
    public static final Set<String> TRAINING = Set.of("training.lrG", "training.lrD", "training.ttur",
            "training.beta1", "training.beta2", "training.eps", "training.dStepsPerGStep", "training.batchSize",
            "training.seed", "training.ema.decay", "training.ema.startStep");
    /** The trial's length (also --steps). */
    public static final String STEPS = "training.steps";
    /** Keys of the experiment's evaluation policy that a fork may change (they never change training). */
    public static final String EVERY_STEPS = "evaluation.everySteps";
    public static final String FINAL_STEP = "evaluation.finalStep";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private ForkOverrides() {}

    /**
     * The child of a fork.
     *
     * @param specYaml the child's complete spec: the parent's with the training overrides and length applied
     * @param overrides every accepted key with its value as given, in key order
     * @param everySteps the child's evaluation.everySteps, where overridden
     * @param finalStep the child's evaluation.finalStep, where overridden
     */
    public record Child(String specYaml, ExperimentSpec spec, Map<String, String> overrides, OptionalLong everySteps,
            Optional<Boolean> finalStep) {}

    /** Every key a fork may set, sorted, for messages. */
    public static List<String> allowedKeys() {
        List<String> keys = new ArrayList<>(TRAINING);
        keys.add(STEPS);
        keys.add(EVERY_STEPS);
        keys.add(FINAL_STEP);
        keys.sort(null);
        return keys;
    }

    /** "key=value" arguments as a map; a malformed or repeated one is a problem naming it. */
    public static Map<String, String> parseAssignments(List<String> assignments) {
        Map<String, String> out = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                problems.add("--set " + a + ": expected key=value, e.g. training.lrG=2e-4");
            } else if (out.put(a.substring(0, eq).trim(), a.substring(eq + 1).trim()) != null) {
                problems.add("--set " + a.substring(0, eq).trim() + ": given twice");
            }
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        return out;
    }

    /**
     * Checks and applies a fork's overrides to its parent's spec.
     *
     * @param parentSpecYaml the parent trial's spec (no experiment section)
     * @param forkStep the parent checkpoint's step: the child's first step
     * @param sets key -> value as the user wrote them
     * @param steps the child's training.steps (--steps), or null to keep the parent's (or training.steps in sets)
     * @param source names the fork in messages, e.g. "fork of exp-t000@200"
     * @throws SpecException listing every problem, each naming its key
     */
    public static Child apply(String parentSpecYaml, long forkStep, Map<String, String> sets, Long steps, String source) {
        ExperimentSpec parent = SpecLoader.parse(parentSpecYaml, source + " (parent spec)");
        List<String> problems = new ArrayList<>();
        ObjectNode tree;
        try {
            tree = (ObjectNode) YAML.readTree(parentSpecYaml);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new SpecException(List.of(source + ": the parent's spec is not a YAML mapping"));
        }
        tree.remove("experiment");
        Map<String, String> accepted = new TreeMap<>();
        OptionalLong every = OptionalLong.empty();
        Optional<Boolean> finalStep = Optional.empty();
        for (Map.Entry<String, String> e : new TreeMap<>(sets).entrySet()) {
            String key = e.getKey();
            String text = e.getValue();
            JsonNode value = scalar(text);
            Optional<String> refusal = refusal(key, parent);
            if (refusal.isPresent()) {
                problems.add(source + ": " + key + ": " + refusal.get());
                continue;
            }
            if (key.equals(EVERY_STEPS)) {
                if (!value.canConvertToExactIntegral() || value.asLong() < 0) {
                    problems.add(source + ": " + key + ": must be 0 (final step only) or a positive whole number (got '"
                            + text + "')");
                    continue;
                }
                every = OptionalLong.of(value.asLong());
            } else if (key.equals(FINAL_STEP)) {
                if (!value.isBoolean()) {
                    problems.add(source + ": " + key + ": must be true or false (got '" + text + "')");
                    continue;
                }
                finalStep = Optional.of(value.asBoolean());
            } else {
                PlanLoader.apply(tree, key, value);
            }
            accepted.put(key, text);
        }
        if (steps != null) {
            if (sets.containsKey(STEPS) && !String.valueOf(steps).equals(sets.get(STEPS))) {
                problems.add(source + ": " + STEPS + ": set twice (--steps " + steps + " and --set " + STEPS + "="
                        + sets.get(STEPS) + ")");
            }
            PlanLoader.apply(tree, STEPS, JsonNodeFactory.instance.numberNode(steps));
            accepted.put(STEPS, String.valueOf(steps));
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        String childYaml;
        try {
            childYaml = YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new SpecException(List.of(source + ": " + e.getMessage()));
        }
        ExperimentSpec child = SpecLoader.parse(childYaml, source);
        problems.addAll(sameShape(parent, child, source));
        if (child.training().steps() <= forkStep) {
            problems.add(source + ": " + STEPS + ": the child would train to step " + child.training().steps()
                    + ", not past the fork step " + forkStep + "; give --steps N with N > " + forkStep);
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        return new Child(childYaml, child, accepted, every, finalStep);
    }

    /** Why a key may not be set by a fork, if it may not. */
    private static Optional<String> refusal(String key, ExperimentSpec parent) {
        if (key.equals("model") || key.startsWith("model.")) {
            return Optional.of("changes the model's shape; a fork continues the parent's networks (model.* is fixed)");
        }
        if (key.equals("dataset.kind") || key.equals("dataset.channels")) {
            return Optional.of("changes the model's shape (image channels and classes come from the data set)");
        }
        if (key.equals("training.ema")) {
            return Optional.of("changes the model's shape (adds or removes the EMA generator G_ema); set "
                    + "training.ema.decay or training.ema.startStep instead");
        }
        if (key.startsWith("training.ema.") && !parent.training().hasEma() && TRAINING.contains(key)) {
            return Optional.of("the parent keeps no EMA generator, and adding one changes the model's shape");
        }
        if (key.startsWith("dataset.")) {
            return Optional.of("a fork trains on its parent's data set; allowed keys: " + allowedKeys());
        }
        if (key.equals("name")) {
            return Optional.of("a fork keeps its experiment's name; allowed keys: " + allowedKeys());
        }
        if (!TRAINING.contains(key) && !key.equals(STEPS) && !key.equals(EVERY_STEPS) && !key.equals(FINAL_STEP)) {
            return Optional.of("not a key a fork may set; allowed keys: " + allowedKeys());
        }
        return Optional.empty();
    }

    /** The backstop: whatever the keys, the child's state must have the parent's tensors. */
    private static List<String> sameShape(ExperimentSpec parent, ExperimentSpec child, String source) {
        List<String> problems = new ArrayList<>();
        if (!parent.model().equals(child.model())) {
            problems.add(source + ": model: differs from the parent's; a fork cannot change the model's shape");
        }
        if (!parent.dataset().kind().equals(child.dataset().kind())
                || parent.dataset().channels() != child.dataset().channels()) {
            problems.add(source + ": dataset: differs from the parent's; a fork cannot change the model's shape");
        }
        if (parent.training().hasEma() != child.training().hasEma()) {
            problems.add(source + ": training.ema: a fork cannot add or remove the EMA generator (the model's shape)");
        }
        return problems;
    }

    /** A value as YAML would type it: whole number, number, boolean or text ("2e-4" is a number). */
    static JsonNode scalar(String text) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (text.equals("true") || text.equals("false")) {
            return f.booleanNode(Boolean.parseBoolean(text));
        }
        try {
            return f.numberNode(Long.parseLong(text));
        } catch (NumberFormatException ignored) {
            // not a whole number
        }
        try {
            double d = Double.parseDouble(text);
            if (!text.matches("(?i).*(nan|infinity).*")) {
                return f.numberNode(d);
            }
        } catch (NumberFormatException ignored) {
            // not a number
        }
        return f.textNode(text);
    }
}
