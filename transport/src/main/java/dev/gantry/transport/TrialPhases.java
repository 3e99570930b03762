package dev.gantry.transport;

import dev.gantry.proto.v1.TrialState.Phase;

/** Which trial phases are final: the coordinator stops scheduling them, views stop following them. */
public final class TrialPhases {
    private TrialPhases() {}

    public static boolean isFinished(Phase phase) {
        return switch (phase) {
            case DONE, FAILED, CANCELLED, STOPPED -> true;
            default -> false;
        };
    }
}
