package dev.gantry.spec;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated experiment: the trials it expands into and how the distributed runtime runs them.
 * Built by {@link PlanLoader} from a spec file with an optional {@code experiment:} section.
 *
 * @param segmentSteps generator steps per training task (a worker's unit of work)
 * @param keepLatest checkpoints kept per trial besides the best by FID
 */
public record ExperimentPlan(String name, List<Trial> trials, long segmentSteps, Evaluation evaluation, int keepLatest,
        Optional<Asha> asha) {

    /** A plan whose trials all run to their last step. */
    public ExperimentPlan(String name, List<Trial> trials, long segmentSteps, Evaluation evaluation, int keepLatest) {
        this(name, trials, segmentSteps, evaluation, keepLatest, Optional.empty());
    }

    /**
     * Asynchronous successive halving ({@code experiment.search.kind: asha}): every trial trains to
     * {@code maxSteps} unless, at a rung, its metric is not in the top 1/eta of the results seen
     * there so far.
     *
     * @param metric "fid", "intra-fid" or a set metric's result name ("kid", "precision", ...)
     * @param rungs minSteps * eta^k below maxSteps, ascending
     */
    public record Asha(long minSteps, long maxSteps, int eta, String metric, boolean maximize, List<Long> rungs) {
        public Asha {
            rungs = List.copyOf(rungs);
        }
    }

    /**
     * One trial: the base spec with grid values and a seed applied.
     *
     * @param label short human name, e.g. "lrD=1e-4,seed=2"
     * @param overrides field path -> value, as written in the grid or variant
     * @param specYaml the trial's complete spec (no experiment section), what workers train
     */
    public record Trial(String label, Map<String, String> overrides, long seed, String specYaml, ExperimentSpec spec) {}

    /**
     * When and how eval workers measure a trial (read on the wire by
     * {@code dev.gantry.transport.EvaluationPolicies.due}).
     *
     * @param everySteps evaluate steps that are multiples of this; 0 for only the final step
     * @param samplesPerClass generated images per class; 0 for the real split's class counts
     * @param generator the trained generator or its moving average (which every trial must then keep)
     * @param metrics the metrics beside FID, by spec name ("kid", "pr", "dc"), in a fixed order
     */
    public record Evaluation(long everySteps, boolean finalStep, String extractor, String split, int samplesPerClass,
            long seed, GeneratorChoice generator, List<String> metrics) {

        /** FID only, as every policy before the metrics list. */
        public Evaluation(long everySteps, boolean finalStep, String extractor, String split, int samplesPerClass,
                long seed, GeneratorChoice generator) {
            this(everySteps, finalStep, extractor, split, samplesPerClass, seed, generator, List.of());
        }
    }
}
