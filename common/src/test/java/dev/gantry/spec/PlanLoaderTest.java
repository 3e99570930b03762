package dev.gantry.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.testing.TinySpecs;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanLoaderTest {
    private static String withExperiment(String experiment) {
        return TinySpecs.yaml("") + "experiment:\n" + experiment;
    }

    @Test
    void aSpecWithoutExperimentSectionIsOneTrial() {
        ExperimentPlan plan = PlanLoader.parse(TinySpecs.yaml(""), "tiny.yaml");
        assertEquals(1, plan.trials().size());
        assertEquals(7, plan.trials().get(0).seed());
        assertEquals(4, plan.segmentSteps(), "default segment: min(100, steps)");
        assertTrue(plan.evaluation().finalStep() && plan.evaluation().everySteps() == 0,
                "default evaluation: the final step only");
    }

    @Test
    void variantsGridAndSeedsAreCrossed() {
        ExperimentPlan plan = PlanLoader.parse(withExperiment("""
                  seeds: [1, 2]
                  variants:
                    - {name: sn-g-d, set: {training.ttur: false}}
                    - {name: ttur, set: {}}
                  grid:
                    training.lrG: [1.0e-4, 2.0e-4]
                  segmentSteps: 2
                  evaluation: {everySteps: 2}
                """), "exp.yaml");
        assertEquals(8, plan.trials().size());
        ExperimentPlan.Trial first = plan.trials().get(0);
        assertEquals("sn-g-d,lrG=1.0E-4,seed=1", first.label());
        assertTrue(!first.spec().training().ttur());
        assertEquals(2e-4, plan.trials().get(2).spec().training().lrG());
        assertEquals(2, plan.trials().get(1).spec().training().seed());
        assertTrue(!first.specYaml().contains("experiment"), first.specYaml());
        assertEquals(first.spec(), SpecLoader.parse(first.specYaml(), "again"), "the trial yaml is the trial");
    }

    @Test
    void problemsNameFileLineAndField() {
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  seeds: [1, x]
                  segmentSteps: 0
                  evaluation: {extractor: vgg}
                  bogus: 1
                """), "exp.yaml"));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("exp.yaml:14: experiment.seeds[1]: must be a whole number"), all);
        assertTrue(all.contains("exp.yaml:15: experiment.segmentSteps: must be at least 1"), all);
        assertTrue(all.contains("exp.yaml:16: experiment.evaluation.extractor"), all);
        assertTrue(all.contains("exp.yaml:17: experiment.bogus: unknown field"), all);
    }

    @Test
    void aGridValueThatMakesABadSpecNamesTheTrialAndField() {
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  grid:
                    training.batchSize: [8, 0]
                """), "exp.yaml"));
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).contains("trial batchSize=0") && e.problems().get(0).contains("training.batchSize"),
                e.problems().get(0));
    }

    @Test
    void theEvaluationPolicyChoosesTheGeneratorAndEmaNeedsTrainingEma() {
        String ema = "  ema: {decay: 0.999, startStep: 2}\n";
        assertEquals(GeneratorChoice.RAW, PlanLoader.parse(TinySpecs.yaml(""), "a.yaml").evaluation().generator());
        assertEquals(GeneratorChoice.EMA, PlanLoader.parse(TinySpecs.yaml(ema), "b.yaml").evaluation().generator(),
                "a spec that keeps G_ema is evaluated with it unless the policy says raw");
        assertEquals(GeneratorChoice.RAW, PlanLoader.parse(TinySpecs.yaml(ema) + """
                experiment:
                  evaluation: {generator: raw}
                """, "c.yaml").evaluation().generator());
        SpecException noEma = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  evaluation: {generator: ema}
                """), "d.yaml"));
        assertTrue(noEma.problems().get(0).contains("d.yaml:14: experiment.evaluation.generator: ema needs training.ema"),
                noEma.problems().toString());
        SpecException dropped = assertThrows(SpecException.class, () -> PlanLoader.parse(TinySpecs.yaml(ema) + """
                experiment:
                  variants:
                    - {name: plain, set: {training.ema: null}}
                """, "e.yaml"));
        assertTrue(dropped.problems().get(0).contains("trial plain") && dropped.problems().get(0).contains("training.ema"),
                dropped.problems().toString());
        SpecException badDecay = assertThrows(SpecException.class,
                () -> PlanLoader.parse(TinySpecs.yaml("  ema: {decay: 1.0, speed: 2}\n"), "f.yaml"));
        String all = String.join("\n", badDecay.problems());
        assertTrue(all.contains("training.ema.decay: must be strictly between 0 and 1")
                && all.contains("training.ema.speed: unknown field"), all);
    }

    @Test
    void theEvaluationPolicyListsTheMetricsBesideFid() {
        assertEquals(List.of(), PlanLoader.parse(TinySpecs.yaml(""), "a.yaml").evaluation().metrics());
        assertEquals(List.of("kid", "pr", "dc"), PlanLoader.parse(withExperiment("""
                  evaluation: {metrics: [dc, fid, kid, pr, kid]}
                """), "b.yaml").evaluation().metrics(), "FID always; the others once each, in a fixed order");
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  evaluation: {metrics: [fid, is]}
                """), "c.yaml"));
        assertTrue(e.problems().get(0).contains("experiment.evaluation.metrics: 'is' is not one of [fid, kid, pr, dc]"),
                e.problems().toString());
    }

    @Test
    void evaluationsMustFallOnSegmentBoundaries() {
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  segmentSteps: 100
                  evaluation: {everySteps: 250}
                """), "exp.yaml"));
        assertTrue(e.problems().get(0).contains("exp.yaml:15: experiment.evaluation.everySteps: 250 is not a multiple"),
                e.problems().toString());
    }

    @Test
    void aHugeGridIsRefusedBeforeItIsBuilt() {
        StringBuilder grid = new StringBuilder("  grid:\n");
        for (int i = 0; i < 12; i++) {  // 4^12 = 16.7 million points: building them would exhaust the heap
            grid.append("    training.field").append(i).append(": [1, 2, 3, 4]\n");
        }
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment(grid.toString()), "big.yaml"));
        assertTrue(e.getMessage().contains("experiment.grid") && e.getMessage().contains("more than 10000"), e.getMessage());
    }

    @Test
    void labelsAreUniquePerTrial() {
        ExperimentPlan plan = PlanLoader.parse(withExperiment("  seeds: [3, 4, 5]\n"), "exp.yaml");
        assertEquals(List.of("seed=3", "seed=4", "seed=5"), plan.trials().stream().map(ExperimentPlan.Trial::label).toList());
    }

    @Test
    void everyExampleSpecLoadsAndTheAblationsHaveThePapersVariants() throws Exception {
        java.nio.file.Path examples = java.nio.file.Path.of(System.getProperty("gantry.repo"), "examples");
        try (var files = java.nio.file.Files.list(examples)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                assertTrue(!PlanLoader.load(f).trials().isEmpty(), f.toString());
            }
        }
        ExperimentPlan stabilization = PlanLoader.load(examples.resolve("ablation-stabilization.yaml"));
        assertEquals(List.of("sn-d-1to1", "sn-d-5to1", "sn-g-d", "sn-g-d-ttur"),
                stabilization.trials().stream().map(ExperimentPlan.Trial::label).toList());
        ExperimentSpec dOnly5 = stabilization.trials().get(1).spec();
        assertTrue(!dOnly5.model().generator().spectralNorm() && dOnly5.model().discriminator().spectralNorm());
        assertEquals(5, dOnly5.training().dStepsPerGStep());
        assertEquals(1e-4, dOnly5.training().effectiveLrD());
        assertEquals(4e-4, stabilization.trials().get(3).spec().training().effectiveLrD());
        ExperimentPlan attention = PlanLoader.load(examples.resolve("ablation-attention.yaml"));
        assertEquals(6, attention.trials().size());
        assertEquals(List.of(), attention.trials().get(0).spec().model().generator().attention());
        assertEquals(List.of(8), attention.trials().get(1).spec().model().discriminator().attention());
        assertEquals(dev.gantry.spec.AttentionKind.RESIDUAL, attention.trials().get(5).spec().model().attentionKind());
    }

    /** Found by SpecFuzzTest: "." split into no parts and threw ArrayIndexOutOfBoundsException from apply. */
    @Test
    void overridePathsThatNameNoFieldAreSpecProblemsWithTheirLine() {
        for (String path : new String[] {".", "training..lrG", "training.", ".training", "'training lrG'", "experiment.seeds"}) {
            SpecException variant = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment(
                    "  variants:\n    - {name: a, set: {" + path + ": 1}}\n"), "exp.yaml"), path);
            assertTrue(variant.getMessage().startsWith("exp.yaml:15: experiment.variants[0].set."), variant.getMessage());
            SpecException grid = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment(
                    "  grid:\n    " + path + ": [1, 2]\n"), "exp.yaml"), path);
            assertTrue(grid.getMessage().startsWith("exp.yaml:15: experiment.grid."), grid.getMessage());
            SpecException search = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment(
                    "  search:\n    kind: grid\n    space:\n      " + path + ": [1, 2]\n"), "exp.yaml"), path);
            assertTrue(search.getMessage().startsWith("exp.yaml:17: experiment.search.space."), search.getMessage());
        }
    }

    /** Found by SpecFuzzTest: Jackson's UnsupportedOperationException when the seed went into a training that was a number. */
    @Test
    void aVariantThatMakesTrainingAValueIsASpecProblem() {
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment(
                "  variants:\n    - {name: a, set: {training: 5}}\n"), "exp.yaml"));
        assertTrue(e.getMessage().contains("exp.yaml: trial a: training: must be a mapping"), e.getMessage());
    }
}
