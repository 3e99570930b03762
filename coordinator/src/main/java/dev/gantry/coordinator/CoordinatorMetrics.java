package dev.gantry.coordinator;

import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.transport.EvaluationPolicies;
import dev.gantry.transport.TrialPhases;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the coordinator knows that operators (and an autoscaler) need: trials by state, the task
 * backlog, its decision rate and how long its last rebuild took. Updated from the coordinator's
 * own loop after each committed transaction, so the numbers are those of committed state only.
 */
final class CoordinatorMetrics {
    private static final Gauge TRIALS = Gauge.builder().name("gantry_trials")
            .help("Trials by state (pending, running, evaluating, done, failed, cancelled)")
            .labelNames("state").register();
    /** The gauge the KEDA ScaledObject in deploy/k8s scales training workers on. */
    private static final Gauge BACKLOG = Gauge.builder().name("gantry_tasks_backlog")
            .help("Tasks published and not yet finished: training segments (one per pending or running trial)"
                    + " and evaluations due under the experiments' policies without a result yet")
            .labelNames("kind").register();
    private static final Counter DECISIONS = Counter.builder().name("gantry_coordinator_decisions_total")
            .help("Trial states and tasks the coordinator published (committed transactions only)").register();
    private static final Counter TRANSACTIONS = Counter.builder().name("gantry_coordinator_transactions_total")
            .help("Coordinator transactions by outcome").labelNames("outcome").register();
    /** Only unfinished trials, so the series stay bounded by what runs now; a finished trial's series is removed. */
    private static final Gauge RUNNING_FID = Gauge.builder().name("gantry_trial_latest_fid")
            .help("Latest evaluated FID (under the experiment's metric) of each trial not yet finished")
            .labelNames("experiment", "trial").register();
    private static final java.util.Set<java.util.List<String>> FID_SERIES = new java.util.HashSet<>();
    private static final Gauge REBUILD = Gauge.builder().name("gantry_coordinator_rebuild_seconds")
            .help("How long the last rebuild from the compacted trial-state topic took").register();

    private static final Gauge RETENTION_BACKLOG = Gauge.builder().name("gantry_coordinator_retention_backlog")
            .help("Checkpoints retention dropped (in committed transactions) and not yet deleted from the store").register();

    private CoordinatorMetrics() {}

    static void retentionBacklog(int checkpoints) {
        RETENTION_BACKLOG.set(checkpoints);
    }

    static void rebuilt(double seconds) {
        REBUILD.set(seconds);
    }

    /** After a committed transaction: its decisions, and the gauges from the trials as they now are. */
    static void committed(int decisions, List<TrialState> trials) {
        TRANSACTIONS.labelValues("committed").inc();
        DECISIONS.inc(decisions);
        observe(trials);
    }

    /** The gauges from the trials (after a rebuild, with no transaction of its own). */
    static void observe(List<TrialState> trials) {
        Map<TrialState.Phase, Integer> byPhase = new EnumMap<>(TrialState.Phase.class);
        long training = 0;
        long evaluations = 0;
        for (TrialState t : trials) {
            byPhase.merge(t.getPhase(), 1, Integer::sum);
            if (t.getPhase() == TrialState.Phase.PENDING || t.getPhase() == TrialState.Phase.RUNNING) {
                training++;
            }
            if (!TrialPhases.isFinished(t.getPhase())) {
                evaluations += evaluationsDue(t);
            }
        }
        for (TrialState.Phase phase : TrialState.Phase.values()) {
            if (phase != TrialState.Phase.PHASE_UNSPECIFIED && phase != TrialState.Phase.UNRECOGNIZED) {
                TRIALS.labelValues(phase.name().toLowerCase(Locale.ROOT)).set(byPhase.getOrDefault(phase, 0));
            }
        }
        java.util.Set<java.util.List<String>> live = new java.util.HashSet<>();
        for (TrialState t : trials) {
            if (!TrialPhases.isFinished(t.getPhase()) && Double.isFinite(t.getLatestFid())) {
                List<String> labels = List.of(t.getTrial().getExperimentId(), t.getTrial().getTrialId());
                RUNNING_FID.labelValues(labels.get(0), labels.get(1)).set(t.getLatestFid());
                live.add(labels);
            }
        }
        for (List<String> gone : FID_SERIES) {
            if (!live.contains(gone)) {
                RUNNING_FID.remove(gone.get(0), gone.get(1));
            }
        }
        FID_SERIES.clear();
        FID_SERIES.addAll(live);
        BACKLOG.labelValues("training").set(training);
        BACKLOG.labelValues("evaluation").set(evaluations);
    }

    static void failedTransaction() {
        TRANSACTIONS.labelValues("failed").inc();
    }

    /** Committed steps due for evaluation that have neither a result nor a parked failure. */
    static long evaluationsDue(TrialState t) {
        EvaluationPolicy p = t.getSettings().getEvalPolicy();
        if (p.getExtractorId().isEmpty()) {
            return 0;
        }
        // Every due step is evaluated, failed or open: count the due ones, take away the settled ones.
        long due = p.getEverySteps() > 0 ? t.getStep() / p.getEverySteps() : 0;
        if (p.getFinalStep() && t.getStep() == t.getTotalSteps() && t.getStep() > 0
                && !(p.getEverySteps() > 0 && t.getStep() % p.getEverySteps() == 0)) {
            due++;
        }
        java.util.Set<Long> settled = new java.util.HashSet<>(t.getEvaluatedStepsList());
        settled.addAll(t.getFailedEvalStepsList());
        for (long s : settled) {
            if (s > 0 && s <= t.getStep() && EvaluationPolicies.due(p, s, t.getTotalSteps())) {
                due--;
            }
        }
        return Math.max(0, due);
    }
}
