package dev.gantry.transport;

import dev.gantry.proto.v1.EvaluationPolicy;

/** The one reading of an experiment's evaluation policy, for the coordinator and the eval workers alike. */
public final class EvaluationPolicies {
    private EvaluationPolicies() {}

    /** Whether the checkpoint at {@code step} of a {@code totalSteps}-long trial is to be evaluated. */
    public static boolean due(EvaluationPolicy policy, long step, long totalSteps) {
        return (policy.getFinalStep() && step == totalSteps)
                || (policy.getEverySteps() > 0 && step > 0 && step % policy.getEverySteps() == 0)
                || policy.getExtraStepsList().contains(step);
    }
}
