package dev.gantry.worker;

import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.cluster.MetricNames;
import dev.gantry.failure.BadTaskException;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.PlanLoader;
import dev.gantry.spec.SpecLoader;
import dev.gantry.storage.StoreRoots;
import java.util.Set;

/**
 * What a task message must satisfy before a worker does anything for it, judged from the message
 * alone. Anyone who can write to a topic controls every field: a task either fails here with a
 * {@link dev.gantry.failure.PermanentException} naming the field (parked at once, never retried),
 * or passes with every field within the bounds the runners rely on.
 */
final class TaskChecks {
    private static final Set<String> SPLITS = Set.of("train", "test");

    private TaskChecks() {}

    /** A training task's steps: 0 <= from_step < to_step <= total_steps. */
    static void steps(TrainingTask task) {
        if (task.getFromStep() < 0 || task.getToStep() <= task.getFromStep() || task.getToStep() > task.getTotalSteps()) {
            throw new BadTaskException("task " + task.getTaskId() + ": steps " + task.getFromStep() + " -> "
                    + task.getToStep() + " do not lie within the trial's 0.." + task.getTotalSteps());
        }
    }

    /** A training task's steps, its spec (which must hash to spec_hash) and every place it names; returns the spec. */
    static ExperimentSpec training(TrainingTask task, StoreRoots roots) {
        steps(task);
        ExperimentSpec spec = SpecLoader.parse(task.getSpecYaml(), "task " + task.getTaskId() + " spec");
        if (!spec.trajectoryHash().equals(task.getSpecHash())) {
            throw new CheckpointException("task " + task.getTaskId() + ": its spec hashes to " + spec.trajectoryHash()
                    + " but the task says " + task.getSpecHash());
        }
        roots.require(task.getCheckpointUriPrefix(), "task " + task.getTaskId() + " checkpoint_uri_prefix");
        if (task.hasStart()) {
            roots.require(task.getStart().getUri(), "task " + task.getTaskId() + " start.uri");
        }
        spec.dataset().path().ifPresent(p -> roots.require(p, "task " + task.getTaskId() + " spec dataset.path"));
        return spec;
    }

    /**
     * An evaluation task's sample count, checkpoint step, split, extractor, generator and metrics,
     * and every place it names. A split other than train or test was evaluated on the test split
     * under the forged name; an unknown extractor id was an IllegalArgumentException, retried on
     * every delivery as if another worker might know it; a negative step turned off the check
     * that the checkpoint holds the step the task names.
     */
    static void evaluation(EvaluationTask task, StoreRoots roots) {
        String what = "evaluation " + task.getTaskId() + ": ";
        if (task.getSamplesPerClass() < 0 || task.getSamplesPerClass() == 1
                || task.getSamplesPerClass() > PlanLoader.MAX_SAMPLES_PER_CLASS) {
            throw new BadTaskException(what + "samples_per_class " + task.getSamplesPerClass()
                    + " must be 0 (the real counts) or 2.." + PlanLoader.MAX_SAMPLES_PER_CLASS);
        }
        if (task.getCheckpoint().getStep() < 0) {
            throw new BadTaskException(what + "checkpoint.step " + task.getCheckpoint().getStep() + " is negative");
        }
        if (!SPLITS.contains(task.getSplit())) {
            throw new BadTaskException(what + "split '" + task.getSplit() + "' is not train or test");
        }
        if (!MetricNames.Extractor.ids().contains(task.getExtractorId())) {
            throw new BadTaskException(what + "extractor_id '" + task.getExtractorId() + "' is not one of "
                    + MetricNames.Extractor.ids());
        }
        roots.require(task.getCheckpoint().getUri(), "evaluation " + task.getTaskId() + " checkpoint.uri");
        if (!task.getStatsRoot().isEmpty()) {
            roots.require(task.getStatsRoot(), "evaluation " + task.getTaskId() + " stats_root");
        }
        EvaluationRunner.generator(task);
        EvaluationRunner.otherMetrics(task);
    }
}
