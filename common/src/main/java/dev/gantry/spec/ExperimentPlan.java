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
        Optional<Asha> asha, Optional<Pbt> pbt) {

    /** A plan with at most an ASHA searcher. */
    public ExperimentPlan(String name, List<Trial> trials, long segmentSteps, Evaluation evaluation, int keepLatest,
            Optional<Asha> asha) {
        this(name, trials, segmentSteps, evaluation, keepLatest, asha, Optional.empty());
    }

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
     * Population-based training ({@code experiment.search.kind: pbt}, Jaderberg et al. 2017): the
     * trials are the population; at every interval step a member whose metric ranks in the bottom
     * {@code quantile} of the results seen there continues as a fork of a top-quantile member's
     * checkpoint at that step, with its hyperparameters mutated.
     *
     * @param population initial members, drawn from the search space like random search
     * @param interval steps between exploit/explore decisions (a multiple of segmentSteps)
     * @param steps the interval steps below the trials' last step, ascending
     * @param seed the search's seed: exploit and explore draw from (seed, member, step)
     */
    public record Pbt(int population, long interval, double quantile, String metric, boolean maximize, List<Long> steps,
            long seed, List<Mutation> mutations) {
        public Pbt {
            steps = List.copyOf(steps);
            mutations = List.copyOf(mutations);
        }
    }

    /**
     * One field PBT mutates: multiplied by one of {@code perturb} (empty: never), or drawn anew from
     * {@code resampleJson} (a search-space distribution as JSON; "" never); with both, resampled
     * with probability {@link PbtExplore#RESAMPLE_PROBABILITY}.
     */
    public record Mutation(String key, List<Double> perturb, String resampleJson) {
        public Mutation {
            perturb = List.copyOf(perturb);
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
