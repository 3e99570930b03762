package dev.gantry.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.testing.TinySpecs;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** experiment.search.kind: pbt, its validation and the explore step. */
class PbtSpecTest {
    private static String spec(String search) {
        return TinySpecs.yaml("").replace("steps: 4", "steps: 1000") + """
                experiment:
                  segmentSteps: 100
                  search:
                """ + search.indent(4);
    }

    private static final String GOOD = """
            kind: pbt
            population: 8
            seed: 3
            interval: 200
            space: {training.lrG: {loguniform: [1.0e-5, 1.0e-3]}, training.lrD: {loguniform: [1.0e-5, 1.0e-3]}}
            mutations:
              training.lrG: {perturb: [0.8, 1.2]}
              training.lrD: {resample: {loguniform: [1.0e-5, 1.0e-3]}}
              training.dStepsPerGStep: {perturb: [0.5, 2], resample: {randint: [1, 3]}}
            """;

    @Test
    void aPbtSearchDrawsItsPopulationAndCarriesItsSettings() {
        ExperimentPlan plan = PlanLoader.parse(spec(GOOD), "pbt.yaml");
        assertEquals(8, plan.trials().size());
        ExperimentPlan.Pbt pbt = plan.pbt().orElseThrow();
        assertEquals(8, pbt.population());
        assertEquals(200, pbt.interval());
        assertEquals(0.25, pbt.quantile());
        assertEquals("fid", pbt.metric());
        assertEquals(false, pbt.maximize());
        assertEquals(List.of(200L, 400L, 600L, 800L), pbt.steps(), "intervals below the last step");
        assertEquals(3, pbt.seed());
        assertEquals(List.of("training.lrG", "training.lrD", "training.dStepsPerGStep"),
                pbt.mutations().stream().map(ExperimentPlan.Mutation::key).toList());
        assertEquals(List.of(0.8, 1.2), pbt.mutations().get(0).perturb());
        assertEquals("{\"loguniform\":[1.0E-5,0.001]}", pbt.mutations().get(1).resampleJson());
        assertTrue(plan.asha().isEmpty());
        // the population is drawn like random search: the same seed, the same members
        assertEquals(plan.trials().stream().map(ExperimentPlan.Trial::specYaml).toList(),
                PlanLoader.parse(spec(GOOD), "again").trials().stream().map(ExperimentPlan.Trial::specYaml).toList());
    }

    @Test
    void badPbtSettingsAreNamedWithTheirFileLineAndField() {
        String bad = """
                kind: pbt
                population: 1
                samples: 4
                interval: 150
                quantile: 0.75
                space: {training.lrG: {loguniform: [1.0e-5, 1.0e-3]}}
                mutations:
                  model.zDim: {perturb: [0.8, 1.2]}
                  training.ttur: {perturb: [0.8, 1.2]}
                  training.lrG: {perturb: [0, -1]}
                  training.lrD: {resample: {uniform: [2, 1]}}
                  training.beta1: {scale: 2}
                  training.ema.decay: {perturb: [0.9]}
                """;
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(spec(bad), "pbt.yaml"));
        String all = String.join("\n", e.problems());
        for (String expected : List.of(
                "experiment.search.samples: unknown field",
                "experiment.search.population:",
                "experiment.search.interval: must be a positive multiple of experiment.segmentSteps (100)",
                "experiment.search.quantile:",
                "experiment.search.mutations.model.zDim: not a field PBT may mutate",
                "experiment.search.mutations.training.ttur.perturb: training.ttur is not a number to multiply",
                "experiment.search.mutations.training.lrG.perturb: must be a non-empty list of positive factors",
                "experiment.search.mutations.training.lrD.resample.uniform: must be [low, high] with low < high",
                "experiment.search.mutations.training.beta1.scale: unknown field",
                "experiment.search.mutations.training.ema.decay: the trials keep no EMA generator")) {
            assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
        }
        assertTrue(all.contains("pbt.yaml:"), all);
        assertTrue(e.problems().stream().filter(p -> p.contains("model.zDim")).allMatch(p -> p.matches("pbt\\.yaml:\\d+: .*")),
                all);
        SpecException none = assertThrows(SpecException.class, () -> PlanLoader.parse(spec("""
                kind: pbt
                population: 4
                space: {training.lrG: [1.0e-4, 2.0e-4]}
                """), "pbt.yaml"));
        String both = String.join("\n", none.problems());
        assertTrue(both.contains("experiment.search.interval: is required for kind: pbt"), both);
        assertTrue(both.contains("experiment.search.mutations: must map at least one field"), both);
    }

    @Test
    void exploreIsAPureFunctionOfSeedMemberAndStep() {
        ExperimentPlan plan = PlanLoader.parse(spec(GOOD), "pbt.yaml");
        ExperimentPlan.Pbt pbt = plan.pbt().orElseThrow();
        ExperimentSpec parent = plan.trials().get(0).spec();
        Map<String, String> a = PbtExplore.explore(pbt.mutations(), parent, PbtExplore.random(3, 2, 400));
        assertEquals(a, PbtExplore.explore(pbt.mutations(), parent, PbtExplore.random(3, 2, 400)));
        assertEquals(3, a.size(), a.toString());
        double lrG = Double.parseDouble(a.get("training.lrG"));
        double expected0 = Double.parseDouble(new java.math.BigDecimal(parent.training().lrG() * 0.8)
                .round(new java.math.MathContext(4)).toString());
        double expected1 = Double.parseDouble(new java.math.BigDecimal(parent.training().lrG() * 1.2)
                .round(new java.math.MathContext(4)).toString());
        assertTrue(lrG == expected0 || lrG == expected1, a + " from " + parent.training().lrG());
        double lrD = Double.parseDouble(a.get("training.lrD"));
        assertTrue(lrD >= 1e-5 && lrD <= 1e-3, a.toString());
        long d = Long.parseLong(a.get("training.dStepsPerGStep"));
        assertTrue(d >= 1 && d <= 3, a.toString());
        // other members and steps draw otherwise (over a few, at least one differs)
        boolean differs = false;
        for (int member = 0; member < 8; member++) {
            differs |= !a.equals(PbtExplore.explore(pbt.mutations(), parent, PbtExplore.random(3, member, 600)));
        }
        assertTrue(differs);
        assertNotEquals(new SplittableRandom(0).nextLong(), PbtExplore.random(3, 2, 400).nextLong());
        // the child's spec takes the values as written
        ForkOverrides.Child child = ForkOverrides.apply(plan.trials().get(0).specYaml(), 400, a, null, "pbt");
        assertEquals(lrG, child.spec().training().lrG());
    }

    @Test
    void theExampleIsAValidPbtExperiment() {
        ExperimentPlan plan = PlanLoader.load(java.nio.file.Path.of("..", "examples", "fmnist-pbt.yaml"));
        assertEquals(8, plan.trials().size());
        assertEquals(List.of(200L, 400L, 600L, 800L), plan.pbt().orElseThrow().steps());
    }
}
