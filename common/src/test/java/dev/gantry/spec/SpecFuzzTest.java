package dev.gantry.spec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.checkpoint.Mutations;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Thousands of mutated experiment specs (damaged bytes, values of the wrong type, deep nesting,
 * anchors and aliases, hostile override paths): {@link PlanLoader} either expands them or refuses
 * them with the spec module's own {@link SpecException}, every problem naming the file. Never a
 * raw YAML, Jackson, ClassCast, NumberFormat or index error.
 */
class SpecFuzzTest {
    static final int TRIES = 3000;
    static final String SOURCE = "fuzz.yaml";

    /** Every section and kind of value the loaders read, with an experiment section that uses them all. */
    static final String VALID = """
            name: fuzz
            dataset: {kind: fashion-mnist, split: train}
            model:
              imageSize: 32
              zDim: 16
              generator: {channels: 4, attention: [16], spectralNorm: true}
              discriminator: {channels: 4, attention: feat16}
              attentionBlock: self-attention
              bnMomentum: 0.1
            training:
              seed: 3
              steps: 40
              batchSize: 8
              dStepsPerGStep: 1
              lrG: 1.0e-4
              lrD: 4.0e-4
              beta1: 0.0
              beta2: 0.9
              ema: {decay: 0.999, startStep: 10}
            experiment:
              seeds: [1, 2]
              variants:
                - name: base
                  set: {}
                - name: no-ttur
                  set: {training.ttur: false, training.lrD: null}
              grid:
                training.lrG: [2.0e-4]
              segmentSteps: 20
              evaluation: {everySteps: 20, finalStep: true, extractor: fmnist-cnn-v1, split: test,
                           samplesPerClass: 0, seed: 0, generator: ema, metrics: [kid]}
              retention: {keepLatest: 2}
            """;

    /** The same spec with a random search in the grid's place. */
    static final String VALID_SEARCH = VALID.replace("  grid:\n    training.lrG: [2.0e-4]\n", """
              search:
                kind: random
                samples: 2
                seed: 1
                space:
                  training.lrG: {loguniform: [1.0e-5, 1.0e-3]}
                  training.beta2: {choice: [0.9, 0.999]}
            """);

    private static final String[] VALUES = {"-1", "0", "1", "99999999999999999999999", "1e99999", "-.inf", ".nan", "0x",
            "!!int 0x", "!!float x", "!!binary '%%%'", "!!binary AAAA", "~", "null", "''", "[]", "{}", "[1, [2, [3]]]",
            "{a: {b: 1}}", "*nope", "&a 1", "true", "yes", "\"\\u0000\"", "'feat'", "featx", "none", "2147483648",
            "9223372036854775808", "-9223372036854775809", "1.5", "raw", "ema", "\"x\\ny\"", "[kid, kid, fid, zz]"};

    /** Keys where a grid or variant names the field to override: dotted paths, some of them hostile. */
    private static final String[] PATHS = {".", "..", "training.", ".training", "training..seed", "training.seed.x",
            "training", "model", "model.generator", "model.generator.attention", "name", "experiment", "dataset.kind",
            "training.ema", "training.ema.decay", "'a.b.c.d.e.f'", "\"\\u0000\""};

    /** One line's value (after the first ': ') replaced by a hostile one. */
    private static String replaceValue(String yaml, SplittableRandom random) {
        String[] lines = yaml.split("\n", -1);
        int at = random.nextInt(lines.length);
        int colon = lines[at].indexOf(": ");
        if (colon > 0) {
            lines[at] = lines[at].substring(0, colon + 2) + VALUES[random.nextInt(VALUES.length)];
        }
        return String.join("\n", lines);
    }

    /** A variant or grid that overrides a hostile path with a hostile value. */
    private static String hostileOverride(String yaml, SplittableRandom random) {
        String path = PATHS[random.nextInt(PATHS.length)];
        String value = VALUES[random.nextInt(VALUES.length)];
        if (random.nextBoolean()) {
            return yaml.replace("set: {}", "set: {" + path + ": " + value + "}");
        }
        return yaml.replace("training.lrG: [2.0e-4]", path + ": [" + value + ", 7]")
                .replace("training.lrG: {loguniform:", path + ": {loguniform:");
    }

    /** A value nested deeper than any parser should follow. */
    private static String deepNesting(String yaml, SplittableRandom random) {
        int depth = 1 + random.nextInt(3000);
        String nested = random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth) : "{a: ".repeat(depth) + "1" + "}".repeat(depth);
        return yaml.replace("zDim: 16", "zDim: " + nested);
    }

    /** Anchors and aliases: the billion laughs, and aliases standing for whole sections. */
    private static String aliases(String yaml, SplittableRandom random) {
        if (random.nextBoolean()) {
            StringBuilder laughs = new StringBuilder("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
            for (int i = 1; i < 12; i++) {
                laughs.append("lol").append(i).append(": &l").append(i).append(" [");
                for (int j = 0; j < 9; j++) {
                    laughs.append(j > 0 ? ", " : "").append("*l").append(i - 1);
                }
                laughs.append("]\n");
            }
            return random.nextBoolean() ? laughs + yaml
                    : yaml.replace("name: base", "name: *l11").replace("segmentSteps: 20", "segmentSteps: 20\n  " + laughs
                            .toString().replace("\n", "\n  "));
        }
        return yaml.replace("training:\n", "training: &t\n").replace("set: {}", "set: *t")
                .replace("retention: {keepLatest: 2}", "retention: *t");
    }

    static String mutate(SplittableRandom random, int edits) {
        String yaml = random.nextBoolean() ? VALID : VALID_SEARCH;
        for (int e = 0; e < edits; e++) {
            yaml = switch (random.nextInt(6)) {
                case 0 -> new String(Mutations.mutate(yaml.getBytes(StandardCharsets.UTF_8), random, 1), StandardCharsets.UTF_8);
                case 1, 2 -> replaceValue(yaml, random);
                case 3 -> hostileOverride(yaml, random);
                case 4 -> deepNesting(yaml, random);
                default -> aliases(yaml, random);
            };
        }
        return yaml;
    }

    @Property(tries = TRIES, seed = "20261201")
    void mutatedSpecsExpandOrAreRefusedWithASpecError(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 4) int edits) {
        String yaml = mutate(new SplittableRandom(seed), edits);
        try {
            PlanLoader.parse(yaml, SOURCE);
        } catch (SpecException e) {
            List<String> unnamed = new ArrayList<>(e.problems());
            unnamed.removeIf(p -> p.startsWith(SOURCE));
            assertTrue(unnamed.isEmpty(), "problems that do not name the file: " + unnamed);
        }
    }

    @Property(tries = 5, seed = "20261201")
    void theUnmutatedSearchExpands(@ForAll @IntRange(min = 1, max = 4) int samples) {
        String yaml = VALID_SEARCH.replace("samples: 2", "samples: " + samples);
        assertTrue(PlanLoader.parse(yaml, SOURCE).trials().size() == 2 * 2 * samples);
    }

    @Property(tries = 50, seed = "20261201")
    void theUnmutatedSpecExpands(@ForAll @IntRange(min = 1, max = 4) int seeds) {
        String yaml = VALID.replace("seeds: [1, 2]", "seeds: " + java.util.stream.IntStream.rangeClosed(1, seeds).boxed().toList());
        assertTrue(PlanLoader.parse(yaml, SOURCE).trials().size() == 2 * seeds);
    }
}
