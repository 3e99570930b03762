package dev.gantry.coordinator;

import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.PlanLoader;
import dev.gantry.storage.Stores;
import java.util.List;
import java.util.Optional;

/**
 * The coordinator's decisions and store operations without Kafka, for in-process tests: the same
 * {@link TrialScheduler} and the same fork copy and retention deletions as {@link Coordinator},
 * applied at once instead of inside transactions. Each call returns the tasks it schedules.
 */
public final class InProcessCoordinator {
    private final TrialScheduler scheduler = new TrialScheduler(System::currentTimeMillis);
    private final Stores stores;
    private final String storeRoot;

    public InProcessCoordinator(Stores stores, String storeRoot) {
        this.stores = stores;
        this.storeRoot = storeRoot;
    }

    /** A trial state as a restarted coordinator reads it back from trial-state. */
    public void restore(TrialState state) {
        scheduler.restore(state);
    }

    public List<TrainingTask> submit(String experimentId, String specYaml) {
        return apply(scheduler.submit(experimentId, PlanLoader.parse(specYaml, experimentId), storeRoot));
    }

    public List<TrainingTask> fork(String experimentId, ForkTrial command) {
        return apply(Forks.handle(scheduler, stores, storeRoot, experimentId, command));
    }

    public List<TrainingTask> checkpointCommitted(CheckpointEvent event) {
        return apply(scheduler.checkpointCommitted(event));
    }

    /** An evaluation result: PBT exploits among its decisions are copied at once, as the coordinator does. */
    public List<TrainingTask> evaluated(EvaluationResult result) {
        return apply(Forks.complete(scheduler, stores, storeRoot, scheduler.evaluated(result)));
    }

    public List<TrialState> trials() {
        return scheduler.trials();
    }

    public Optional<TrialState> trial(String trialId) {
        return scheduler.trial(trialId);
    }

    private List<TrainingTask> apply(Actions actions) {
        for (CheckpointRef c : actions.deletions) {
            Forks.delete(stores, storeRoot, c);
        }
        return List.copyOf(actions.tasks);
    }
}
