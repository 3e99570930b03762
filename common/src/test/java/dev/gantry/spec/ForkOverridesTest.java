package dev.gantry.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.testing.TinySpecs;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ForkOverridesTest {
    private static final String PARENT = TinySpecs.yaml("");

    private static String problems(Map<String, String> sets, Long steps) {
        SpecException e = assertThrows(SpecException.class, () -> ForkOverrides.apply(PARENT, 2, sets, steps, "fork"));
        return String.join("\n", e.problems());
    }

    @Test
    void trainingOverridesAndLengthApplyToTheChildSpecOnly() {
        ForkOverrides.Child child = ForkOverrides.apply(PARENT, 2,
                Map.of("training.lrG", "2e-4", "training.beta2", "0.99", "training.dStepsPerGStep", "2"), 10L, "fork");
        assertEquals(2e-4, child.spec().training().lrG());
        assertEquals(0.99, child.spec().training().beta2());
        assertEquals(2, child.spec().training().dStepsPerGStep());
        assertEquals(10, child.spec().training().steps());
        assertEquals(TinySpecs.spec().model(), child.spec().model());
        assertEquals(TinySpecs.spec().training().seed(), child.spec().training().seed());
        assertNotEquals(TinySpecs.spec().trajectoryHash(), child.spec().trajectoryHash());
        assertEquals(Map.of("training.lrG", "2e-4", "training.beta2", "0.99", "training.dStepsPerGStep", "2",
                "training.steps", "10"), child.overrides());
    }

    @Test
    void onlyTheLengthKeepsTheTrajectory() {
        ForkOverrides.Child child = ForkOverrides.apply(PARENT, 2, Map.of(), 12L, "fork");
        assertEquals(TinySpecs.spec().trajectoryHash(), child.spec().trajectoryHash());
    }

    @Test
    void evaluationOverridesAreReturnedNotWrittenIntoTheSpec() {
        ForkOverrides.Child child = ForkOverrides.apply(PARENT, 2,
                Map.of("evaluation.everySteps", "4", "evaluation.finalStep", "false"), 8L, "fork");
        assertEquals(OptionalLong.of(4), child.everySteps());
        assertEquals(false, child.finalStep().orElseThrow());
        assertFalse(child.specYaml().contains("evaluation"));
        assertTrue(problems(Map.of("evaluation.everySteps", "-1"), 8L).contains("evaluation.everySteps"));
    }

    @Test
    void modelShapeChangesAreRefusedNamingTheField() {
        assertTrue(problems(Map.of("model.generator.channels", "8"), 8L)
                .contains("fork: model.generator.channels: changes the model's shape"));
        assertTrue(problems(Map.of("model.zDim", "32"), 8L).contains("model.zDim: changes the model's shape"));
        assertTrue(problems(Map.of("dataset.channels", "3"), 8L).contains("dataset.channels: changes the model's shape"));
        assertTrue(problems(Map.of("training.ema", "{}"), 8L).contains("training.ema: changes the model's shape"));
        assertTrue(problems(Map.of("training.ema.decay", "0.9"), 8L).contains("training.ema.decay: the parent keeps no EMA"));
    }

    @Test
    void unknownKeysBadValuesAndTooFewStepsAreRefusedNamingTheKey() {
        String unknown = problems(Map.of("training.lrg", "1e-4"), 8L);
        assertTrue(unknown.contains("training.lrg: not a key a fork may set"), unknown);
        assertTrue(unknown.contains("training.lrG"), "lists the allowed keys: " + unknown);
        assertTrue(problems(Map.of("training.lrG", "fast"), 8L).contains("training.lrG"));
        assertTrue(problems(Map.of("training.lrG", "2"), 8L).contains("training.lrG"));
        assertTrue(problems(Map.of(), 2L).contains("training.steps: the child would train to step 2, not past the fork"));
    }

    @Test
    void forkAtTheParentsLastStepNeedsSteps() {
        SpecException e = assertThrows(SpecException.class, () -> ForkOverrides.apply(PARENT, 4, Map.of(), null, "fork"));
        assertTrue(e.problems().get(0).contains("give --steps N with N > 4"));
        assertEquals(4, ForkOverrides.apply(PARENT, 2, Map.of(), null, "fork").spec().training().steps());
    }

    @Test
    void assignmentsParseAndRefuseDuplicatesAndMissingValues() {
        assertEquals(Map.of("training.lrG", "2e-4"), ForkOverrides.parseAssignments(List.of("training.lrG=2e-4")));
        assertThrows(SpecException.class, () -> ForkOverrides.parseAssignments(List.of("training.lrG")));
        assertThrows(SpecException.class, () -> ForkOverrides.parseAssignments(List.of("a=1", "a=2")));
    }
}
