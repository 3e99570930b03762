package dev.gantry.cluster;

/**
 * The ids of tasks, which make duplicates recognisable: the same segment or evaluation always
 * gets the same id. Ids are for people and logs; what kind of task failed travels as a typed
 * field ({@code TaskFailure.task_kind}), never parsed back out of an id.
 */
public final class TaskIds {
    private TaskIds() {}

    /** A training segment: {@code TRIAL@FROM-TO}. */
    public static String segment(String trialId, long fromStep, long toStep) {
        return trialId + "@" + fromStep + "-" + toStep;
    }

    /** The evaluation a trial's policy asks for at a step: {@code TRIAL@STEP/eval}. */
    public static String scheduledEvaluation(String trialId, long step) {
        return trialId + "@" + step + "/eval";
    }

    /** An evaluation a user asked for ({@code gantry eval}): {@code TRIAL@STEP/eval-request}. */
    public static String requestedEvaluation(String trialId, long step) {
        return trialId + "@" + step + "/eval-request";
    }
}
