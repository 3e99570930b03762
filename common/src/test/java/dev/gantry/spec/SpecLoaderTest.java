package dev.gantry.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.spec.AttentionKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecLoaderTest {
    private static final String MINIMAL = "name: t\ndataset:\n  kind: fashion-mnist\n";

    @Test
    void defaultsAreThePapersRecipe() {
        ExperimentSpec spec = SpecLoader.parse(MINIMAL, "s.yaml");
        TrainingSpec t = spec.training();
        assertEquals(1e-4, t.lrG());
        assertEquals(4e-4, t.effectiveLrD());
        assertEquals(0.0, t.beta1());
        assertEquals(0.9, t.beta2());
        assertEquals(1, t.dStepsPerGStep());
        assertEquals(32, spec.model().imageSize());
        assertTrue(spec.model().generator().spectralNorm() && spec.model().discriminator().spectralNorm());
        assertEquals(List.of(16), spec.model().generator().attention());
        assertEquals(1, spec.dataset().channels());
    }

    @Test
    void attentionAcceptsPaperNamesNumbersAndNone() {
        ExperimentSpec spec = SpecLoader.parse(MINIMAL + """
                model:
                  attentionBlock: residual
                  generator: {attention: [feat8, 32]}
                  discriminator: {attention: none}
                """, "s.yaml");
        assertEquals(List.of(8, 32), spec.model().generator().attention());
        assertEquals(List.of(), spec.model().discriminator().attention());
        assertEquals(AttentionKind.RESIDUAL, spec.model().attentionKind());
    }

    @Test
    void everyProblemIsReportedWithFileLineAndField() {
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.parse("""
                name: t
                dataset:
                  kind: mnist
                model:
                  imageSize: 48
                  generator:
                    attention: [feat64]
                training:
                  batchSize: -2
                  lrG: fast
                  bogus: 1
                """, "exp.yaml"));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("exp.yaml:3: dataset.kind: 'mnist' is not one of"), all);
        assertTrue(all.contains("exp.yaml:5: model.imageSize: 48 is not supported"), all);
        assertTrue(all.contains("exp.yaml:7: model.generator.attention[0]: feature maps of size 64 do not exist"), all);
        assertTrue(all.contains("exp.yaml:9: training.batchSize: must be between 1 and 4096 (got -2)"), all);
        assertTrue(all.contains("exp.yaml:10: training.lrG: must be a number (got 'fast')"), all);
        assertTrue(all.contains("exp.yaml:11: training.bogus: unknown field"), all);
        assertEquals(6, e.problems().size(), all);
    }

    @Test
    void malformedYamlAndMissingSectionsGetClearErrors() {
        SpecException yaml = assertThrows(SpecException.class, () -> SpecLoader.parse("name: [unclosed\n", "bad.yaml"));
        assertTrue(yaml.getMessage().startsWith("bad.yaml:"), yaml.getMessage());
        assertTrue(yaml.getMessage().contains("not valid YAML"), yaml.getMessage());
        SpecException missing = assertThrows(SpecException.class, () -> SpecLoader.parse("name: x\n", "m.yaml"));
        assertTrue(missing.getMessage().contains("dataset: is required"), missing.getMessage());
        SpecException ttur = assertThrows(SpecException.class,
                () -> SpecLoader.parse(MINIMAL + "training: {ttur: false, lrD: 0.001}\n", "t.yaml"));
        assertTrue(ttur.getMessage().contains("training.lrD: ttur: false trains D at lrG"), ttur.getMessage());
    }

    @Test
    void trajectoryHashIgnoresNameStepsAndPathButNotTrainingFields() {
        String base = SpecLoader.parse(MINIMAL + "training: {steps: 10}\n", "a").trajectoryHash();
        assertEquals(base, SpecLoader.parse("name: other\ndataset: {kind: fashion-mnist, path: /x}\ntraining: {steps: 99}\n",
                "b").trajectoryHash());
        assertNotEquals(base, SpecLoader.parse(MINIMAL + "training: {seed: 1}\n", "c").trajectoryHash());
        assertNotEquals(base, SpecLoader.parse(MINIMAL + "model: {generator: {spectralNorm: false}}\n", "d")
                .trajectoryHash());
    }

    /**
     * Found by SpecFuzzTest: a value nested 500 deep took 165 ms to refuse and one nested 999 deep
     * most of a second (the location pass is quadratic in depth); specs nest 6 deep at most.
     */
    @Test
    void deeplyNestedSpecsAreRefusedAsInvalidYamlWithTheirLine() {
        for (String nested : new String[] {"[".repeat(40) + "]".repeat(40), "{a: ".repeat(40) + "1" + "}".repeat(40)}) {
            SpecException e = assertThrows(SpecException.class, () -> SpecLoader.parse(MINIMAL + "model:\n  zDim: " + nested,
                    "s.yaml"));
            assertTrue(e.getMessage().startsWith("s.yaml:5: not valid YAML") && e.getMessage().contains("nesting depth"),
                    e.getMessage());
        }
        SpecException plan = assertThrows(SpecException.class, () -> PlanLoader.parse(MINIMAL + "experiment:\n  grid:\n"
                + "    training.lrG: " + "[".repeat(40) + "]".repeat(40), "p.yaml"));
        assertTrue(plan.getMessage().contains("nesting depth"), plan.getMessage());
    }
}
