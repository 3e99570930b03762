package dev.gantry.client;

import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.WorkerProgress;
import java.util.List;

/** What workers published about an experiment's training and evaluation, in the order it was read. */
public record ExperimentRecords(List<WorkerProgress> progress, List<CheckpointEvent> checkpoints,
        List<EvaluationResult> results) {
    public ExperimentRecords {
        progress = List.copyOf(progress);
        checkpoints = List.copyOf(checkpoints);
        results = List.copyOf(results);
    }

    public static ExperimentRecords none() {
        return new ExperimentRecords(List.of(), List.of(), List.of());
    }

    public boolean isEmpty() {
        return progress.isEmpty() && checkpoints.isEmpty() && results.isEmpty();
    }
}
