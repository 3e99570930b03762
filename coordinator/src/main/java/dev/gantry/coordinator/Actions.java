package dev.gantry.coordinator;

import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import java.util.ArrayList;
import java.util.List;

/**
 * What the scheduler decided while handling some events, in the order it must reach Kafka:
 * tasks first, trial states after them (so a stored state never points past a task that was
 * lost), checkpoint deletions last.
 */
final class Actions {
    final List<TrainingTask> tasks = new ArrayList<>();
    final List<TrialState> states = new ArrayList<>();
    final List<CheckpointRef> deletions = new ArrayList<>();
    /** Fork copies to make before the transaction commits (PBT exploits); see {@link Forks#complete}. */
    final List<TrialScheduler.ForkPlan> forks = new ArrayList<>();

    boolean isEmpty() {
        return tasks.isEmpty() && states.isEmpty() && deletions.isEmpty() && forks.isEmpty();
    }
}
