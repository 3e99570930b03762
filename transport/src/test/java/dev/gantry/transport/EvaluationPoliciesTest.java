package dev.gantry.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gantry.proto.v1.EvaluationPolicy;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class EvaluationPoliciesTest {
    private static List<Long> dueSteps(EvaluationPolicy policy, long total) {
        return LongStream.rangeClosed(0, total).filter(s -> EvaluationPolicies.due(policy, s, total)).boxed().toList();
    }

    @Test
    void everyNStepsAndTheFinalStepButNeverStepZero() {
        EvaluationPolicy every = EvaluationPolicy.newBuilder().setEverySteps(200).build();
        assertEquals(List.of(200L, 400L), dueSteps(every, 500));
        assertEquals(List.of(200L, 400L, 500L), dueSteps(every.toBuilder().setFinalStep(true).build(), 500));
        assertEquals(List.of(500L), dueSteps(EvaluationPolicy.newBuilder().setFinalStep(true).build(), 500));
        assertEquals(List.of(), dueSteps(EvaluationPolicy.getDefaultInstance(), 500));
    }
}
