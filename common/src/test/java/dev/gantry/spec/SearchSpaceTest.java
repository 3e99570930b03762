package dev.gantry.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.testing.TinySpecs;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
    private static String withExperiment(String experiment) {
        return TinySpecs.yaml("") + "experiment:\n" + experiment;
    }

    private static ExperimentPlan random(long seed, int samples) {
        return PlanLoader.parse(withExperiment("""
                  seeds: [1, 2]
                  search:
                    kind: random
                    samples: %d
                    seed: %d
                    space:
                      training.lrG: {loguniform: [1.0e-5, 1.0e-3]}
                      training.lrD: {uniform: [1.0e-4, 8.0e-4]}
                      training.dStepsPerGStep: {randint: [1, 3]}
                      training.beta2: {choice: [0.9, 0.999]}
                """.formatted(samples, seed)), "search.yaml");
    }

    @Test
    void randomSearchDrawsTheSameTrialsFromTheSameSpecAndOtherTrialsFromAnotherSeed() {
        ExperimentPlan a = random(5, 6);
        ExperimentPlan b = random(5, 6);
        assertEquals(12, a.trials().size(), "6 samples x 2 seeds");
        assertEquals(a.trials().stream().map(ExperimentPlan.Trial::specYaml).toList(),
                b.trials().stream().map(ExperimentPlan.Trial::specYaml).toList());
        assertNotEquals(a.trials().stream().map(ExperimentPlan.Trial::label).toList(),
                random(6, 6).trials().stream().map(ExperimentPlan.Trial::label).toList());
        // both training seeds of a sample share its hyperparameters
        assertEquals(a.trials().get(0).spec().training().lrG(), a.trials().get(1).spec().training().lrG());
        assertEquals(2, a.trials().get(1).spec().training().seed());
    }

    @Test
    void drawsStayInTheirRangesFollowTheirScaleAndReplayExactlyFromTheTrialsYaml() {
        ExperimentPlan plan = random(0, 400);
        int belowGeometricMidpoint = 0;
        for (ExperimentPlan.Trial t : plan.trials()) {
            TrainingSpec training = t.spec().training();
            assertTrue(training.lrG() >= 1e-5 && training.lrG() <= 1e-3, t.label());
            assertTrue(training.lrD() >= 1e-4 && training.lrD() <= 8e-4, t.label());
            assertTrue(training.dStepsPerGStep() >= 1 && training.dStepsPerGStep() <= 3, t.label());
            assertTrue(training.beta2() == 0.9 || training.beta2() == 0.999, t.label());
            assertTrue(new BigDecimal(t.overrides().get("training.lrG")).precision() <= SearchSpace.SIGNIFICANT_DIGITS,
                    t.overrides().toString());
            assertEquals(t.spec(), SpecLoader.parse(t.specYaml(), "again"), "the trial yaml is the trial");
            if (training.lrG() < 1e-4) {
                belowGeometricMidpoint++;
            }
        }
        // log-uniform: half the draws below the geometric midpoint (a uniform draw would put 9% there)
        double share = belowGeometricMidpoint / (double) plan.trials().size();
        assertTrue(share > 0.4 && share < 0.6, "share below 1e-4: " + share);
        assertEquals(List.of(1, 2, 3), plan.trials().stream().map(t -> t.spec().training().dStepsPerGStep()).distinct().sorted()
                .toList(), "randint includes both ends");
    }

    @Test
    void roundingNeverTakesADrawOutOfItsRangeOrTheFieldsRange() {
        ExperimentPlan plan = PlanLoader.parse(withExperiment("""
                  search:
                    kind: random
                    samples: 300
                    seed: 2
                    space: {training.beta2: {uniform: [0.9999, 0.99999]}, training.lrG: {uniform: [0.12346, 0.12349]}}
                """), "narrow.yaml");  // 4 digits would make 1.000 (not a beta2) and 0.1235 (below 0.12346)
        for (ExperimentPlan.Trial t : plan.trials()) {
            double beta2 = t.spec().training().beta2();
            double lrG = t.spec().training().lrG();
            assertTrue(beta2 >= 0.9999 && beta2 <= 0.99999, t.label());
            assertTrue(lrG >= 0.12346 && lrG <= 0.12349, t.label());
        }
        assertEquals(new BigDecimal("0.1235"), SearchSpace.rounded(0.123456, 0.1, 0.2), "4 digits where they fit");
    }

    @Test
    void pbtPerturbationsStayInsideTheFieldsRange() {
        ExperimentSpec spec = SpecLoader.parse(TinySpecs.yaml("  beta2: 0.999\n"), "t.yaml");
        var mutations = List.of(new ExperimentPlan.Mutation("training.beta2", List.of(1.2), ""),
                new ExperimentPlan.Mutation("training.dStepsPerGStep", List.of(500.0), ""));
        var explored = PbtExplore.explore(mutations, spec, new java.util.SplittableRandom(1));
        assertTrue(Double.parseDouble(explored.get("training.beta2")) <= 0.999999, explored.toString());
        assertEquals("100", explored.get("training.dStepsPerGStep"));
    }

    @Test
    void aSearchGridCrossesItsChoicesLikeExperimentGrid() {
        ExperimentPlan search = PlanLoader.parse(withExperiment("""
                  search:
                    kind: grid
                    space: {training.lrG: [1.0e-4, 2.0e-4], training.beta2: {choice: [0.9, 0.99]}}
                """), "search.yaml");
        ExperimentPlan grid = PlanLoader.parse(withExperiment("""
                  grid: {training.lrG: [1.0e-4, 2.0e-4], training.beta2: [0.9, 0.99]}
                """), "grid.yaml");
        assertEquals(grid.trials().stream().map(ExperimentPlan.Trial::label).toList(),
                search.trials().stream().map(ExperimentPlan.Trial::label).toList());
        assertEquals(4, search.trials().size());
    }

    @Test
    void problemsNameFileLineAndField() {
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  grid: {training.lrG: [1.0e-4]}
                  search:
                    kind: random
                    space:
                      training.lrG: {loguniform: [0, 1.0e-3]}
                      training.lrD: {uniform: [8.0e-4, 1.0e-4]}
                      training.dStepsPerGStep: {normal: [1, 2]}
                      training.beta2: {choice: []}
                """), "bad.yaml"));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("experiment.search: takes the place of experiment.grid"), all);
        assertTrue(all.contains("bad.yaml:18: experiment.search.space.training.lrG.loguniform: must be [low, high] with"
                + " low < high and low > 0"), all);
        assertTrue(all.contains("bad.yaml:19: experiment.search.space.training.lrD.uniform: must be [low, high]"), all);
        assertTrue(all.contains("bad.yaml:20: experiment.search.space.training.dStepsPerGStep: must be a list of values or one of"), all);
        assertTrue(all.contains("experiment.search.space.training.beta2.choice: must be a non-empty list"), all);
        assertTrue(all.contains("experiment.search.samples: is required for kind: random"), all);

        SpecException grid = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  search: {kind: grid, space: {training.lrG: {uniform: [1.0e-5, 1.0e-3]}}}
                """), "grid.yaml"));
        assertTrue(String.join("\n", grid.problems()).contains("a grid needs a list of values"), grid.problems().toString());

        SpecException kind = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  search: {kind: hyperband, space: {training.lrG: [1.0e-4]}}
                """), "kind.yaml"));
        assertTrue(String.join("\n", kind.problems()).contains("experiment.search.kind: 'hyperband' is not one of"),
                kind.problems().toString());
    }

    @Test
    void aHugeRandomSearchIsRefusedBeforeAnythingIsDrawn() {
        SpecException e = assertThrows(SpecException.class, () -> PlanLoader.parse(withExperiment("""
                  search: {kind: random, samples: 2000000000, space: {training.lrG: {uniform: [1.0e-5, 1.0e-3]}}}
                """), "huge.yaml"));
        assertTrue(String.join("\n", e.problems()).contains("experiment.search.samples: must be between 1 and 10000"),
                e.problems().toString());
    }
}
