package dev.gantry.coordinator;

import dev.gantry.cluster.ClusterLayout;
import dev.gantry.cluster.MetricNames;
import dev.gantry.cluster.TaskIds;
import dev.gantry.proto.v1.AshaSettings;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.ExperimentSettings;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.proto.v1.PbtDecision;
import dev.gantry.proto.v1.PbtMutation;
import dev.gantry.proto.v1.PbtSettings;
import dev.gantry.proto.v1.RungResult;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState.Phase;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.ForkOverrides;
import dev.gantry.spec.PbtExplore;
import dev.gantry.spec.SpecLoader;
import dev.gantry.spec.SpecException;
import dev.gantry.transport.EvaluationPolicies;
import dev.gantry.transport.Lineages;
import dev.gantry.transport.TrialPhases;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's decisions, free of I/O: given the current trial states and one event, what
 * to schedule, which states change and which checkpoints retention removes. Every handler is
 * idempotent: an event seen twice (a redelivery after a coordinator crash) changes nothing the
 * second time, so the coordinator can process its input at least once.
 */
public final class TrialScheduler {
    private static final Logger log = LoggerFactory.getLogger(TrialScheduler.class);
    /** Corrupt-checkpoint fallbacks a trial may take before it fails: storage that keeps corrupting is not retried for ever. */
    static final int MAX_FALLBACKS = 3;

    private final Map<String, TrialState> trials = new LinkedHashMap<>();
    private final Clock clock;

    public interface Clock {
        long nowMs();
    }

    public TrialScheduler(Clock clock) {
        this.clock = clock;
    }

    /** Restores a trial from the compacted trial-state topic. */
    public void restore(TrialState state) {
        trials.put(state.getTrial().getTrialId(), state);
    }

    public Optional<TrialState> trial(String trialId) {
        return Optional.ofNullable(trials.get(trialId));
    }

    public List<TrialState> trials() {
        return List.copyOf(trials.values());
    }

    public boolean hasExperiment(String experimentId) {
        return trials.values().stream().anyMatch(t -> t.getTrial().getExperimentId().equals(experimentId));
    }

    public static String trialId(String experimentId, int index) {
        return String.format("%s-t%03d", experimentId, index);
    }

    /** A new experiment: a PENDING trial and its first task per trial. A repeated submit is ignored. */
    Actions submit(String experimentId, ExperimentPlan plan, String storeRoot) {
        Actions out = new Actions();
        if (hasExperiment(experimentId)) {
            return out;
        }
        ExperimentPlan.Evaluation e = plan.evaluation();
        EvaluationPolicy policy = EvaluationPolicy.newBuilder().setEverySteps(e.everySteps()).setFinalStep(e.finalStep())
                .setExtractorId(e.extractor()).setSplit(e.split()).setSamplesPerClass(e.samplesPerClass())
                .setEvalSeed(e.seed()).setStatsRoot(ClusterLayout.statsRoot(storeRoot))
                .setGenerator(e.generator().specName()).addAllMetrics(e.metrics())
                .addAllExtraSteps(plan.asha().map(ExperimentPlan.Asha::rungs).orElse(List.of()))
                .addAllExtraSteps(plan.pbt().map(ExperimentPlan.Pbt::steps).orElse(List.of())).build();
        ExperimentSettings.Builder settingsBuilder = ExperimentSettings.newBuilder().setExperimentName(plan.name())
                .setSegmentSteps(plan.segmentSteps()).setEvalPolicy(policy)
                .setCheckpointRoot(ClusterLayout.experimentRoot(storeRoot, experimentId)).setKeepLatest(plan.keepLatest());
        plan.asha().ifPresent(a -> settingsBuilder.setAsha(AshaSettings.newBuilder().setMinSteps(a.minSteps())
                .setMaxSteps(a.maxSteps()).setEta(a.eta()).setMetric(a.metric()).setMaximize(a.maximize())
                .addAllRungs(a.rungs())));
        plan.pbt().ifPresent(p -> {
            PbtSettings.Builder pbt = PbtSettings.newBuilder().setPopulation(p.population()).setInterval(p.interval())
                    .setQuantile(p.quantile()).setMetric(p.metric()).setMaximize(p.maximize()).addAllSteps(p.steps())
                    .setSeed(p.seed());
            p.mutations().forEach(m -> pbt.addMutations(PbtMutation.newBuilder().setKey(m.key())
                    .addAllPerturb(m.perturb()).setResampleJson(m.resampleJson())));
            settingsBuilder.setPbt(pbt);
        });
        ExperimentSettings settings = settingsBuilder.build();
        for (int i = 0; i < plan.trials().size(); i++) {
            ExperimentPlan.Trial trial = plan.trials().get(i);
            TrialState state = TrialState.newBuilder()
                    .setTrial(TrialRef.newBuilder().setExperimentId(experimentId).setTrialId(trialId(experimentId, i)))
                    .setPhase(Phase.PENDING).setStep(0).setTotalSteps(trial.spec().training().steps())
                    .setSpecYaml(trial.specYaml()).setSpecHash(trial.spec().trajectoryHash()).setSettings(settings).putAllOverrides(trial.overrides())
                    .setLabel(trial.label()).setIndex(i).setPbtMember(i).setLatestFid(Double.NaN).setLatestIntraFid(Double.NaN)
                    .setBestFid(Double.NaN).setMetricName(MetricNames.name(MetricNames.FID, e.extractor()))
                    .setSubmittedAtMs(clock.nowMs()).setUpdatedAtMs(clock.nowMs()).build();
            out.tasks.add(task(state, null, 0));
            put(state, out);
        }
        return out;
    }

    /** The trial a fork command makes: {@code EXPERIMENT-fFORK_ID}, the same for every copy of the command. */
    public static String forkTrialId(String experimentId, String forkId) {
        return experimentId + "-f" + forkId;
    }

    /**
     * A checked fork whose first checkpoint must be copied before it is published.
     *
     * @param child the child's state before the copy (PENDING at the fork step, without checkpoints)
     * @param parentUri the parent's checkpoint at the fork step
     * @param expectedParentManifest its manifest's SHA-256 where the parent still keeps it, else ""
     * @param childUri where the copy goes: the child's own checkpoint at the fork step
     * @param lineage the child's lineage (the parent's manifest hash is filled in by the copy)
     */
    public record ForkPlan(TrialState child, String parentUri, String expectedParentManifest, String childUri,
            Lineage lineage) {}

    /** Either decided now ({@code decided}: nothing for a duplicate, a FAILED child for a refusal) or a copy to make. */
    public record ForkDecision(Actions decided, ForkPlan copy) {}

    /**
     * A fork command: checks it (the parent, the overrides, the id) without any I/O. A command
     * whose child trial exists already is a duplicate and changes nothing; a refused one is
     * recorded as a FAILED child trial carrying the reason, so the decision is on trial-state and
     * the same command never decides twice.
     */
    ForkDecision fork(String experimentId, ForkTrial command) {
        String forkId = command.getForkId();
        if (!forkId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,39}")) {
            log.error("ignoring fork '{}' in experiment {}: a fork id is 1-40 letters, digits, '.', '_' or '-'", forkId,
                    experimentId);
            return new ForkDecision(new Actions(), null);
        }
        String childId = forkTrialId(experimentId, forkId);
        if (trials.containsKey(childId)) {
            return new ForkDecision(new Actions(), null);  // a duplicated (or replayed) command
        }
        TrialState parent = trials.get(command.getParentTrialId());
        long step = command.getStep();
        String what = "fork of " + command.getParentTrialId() + "@" + step;
        if (parent == null || !parent.getTrial().getExperimentId().equals(experimentId)) {
            return refuse(experimentId, childId, command, null, what + ": no such trial in experiment " + experimentId);
        }
        if (step <= 0) {
            return refuse(experimentId, childId, command, parent, what + ": a fork starts from a committed checkpoint "
                    + "(step 1 or later)");
        }
        ForkOverrides.Child child;
        try {
            child = ForkOverrides.apply(parent.getSpecYaml(), step, command.getOverridesMap(),
                    command.getTotalSteps() > 0 ? command.getTotalSteps() : null, what);
        } catch (SpecException e) {
            return refuse(experimentId, childId, command, parent, String.join("; ", e.problems()));
        }
        long segment = parent.getSettings().getSegmentSteps();
        if (child.everySteps().isPresent() && child.everySteps().getAsLong() % segment != 0) {
            return refuse(experimentId, childId, command, parent, what + ": " + ForkOverrides.EVERY_STEPS + ": "
                    + child.everySteps().getAsLong() + " is not a multiple of the experiment's segmentSteps (" + segment
                    + "): evaluations read the checkpoints that segments end with");
        }
        ExperimentSettings.Builder settings = parent.getSettings().toBuilder();
        child.everySteps().ifPresent(v -> settings.getEvalPolicyBuilder().setEverySteps(v));
        child.finalStep().ifPresent(v -> settings.getEvalPolicyBuilder().setFinalStep(v));
        Lineage lineage = Lineages.of(parent).fork(childId, step, child.specYaml(), child.spec(), child.overrides(), "");
        TrialState state = base(experimentId, childId, command, parent).setPhase(Phase.PENDING).setStep(step)
                .setTotalSteps(child.spec().training().steps()).setSpecYaml(child.specYaml())
                .setSpecHash(child.spec().trajectoryHash()).setSettings(settings).putAllOverrides(child.overrides())
                .build();
        String root = parent.getSettings().getCheckpointRoot();
        String expected = parent.getKeptList().stream().filter(c -> c.getStep() == step).findFirst()
                .map(CheckpointRef::getManifestSha256).orElse("");
        return new ForkDecision(null, new ForkPlan(state, ClusterLayout.checkpointUri(root, parent.getTrial().getTrialId(),
                step), expected, ClusterLayout.checkpointUri(root, childId, step), lineage));
    }

    /** The child's first checkpoint is committed: publish the child and its first segment. */
    Actions forkCopied(ForkPlan plan, String childManifestSha256, Lineage lineage) {
        Actions out = new Actions();
        if (trials.containsKey(plan.child().getTrial().getTrialId())) {
            return out;
        }
        CheckpointRef start = CheckpointRef.newBuilder().setUri(plan.childUri()).setStep(plan.child().getStep())
                .setManifestSha256(childManifestSha256).build();
        TrialState child = plan.child().toBuilder().setLatest(start).addKept(start).clearLineage()
                .addAllLineage(Lineages.toProto(lineage)).setUpdatedAtMs(clock.nowMs()).build();
        out.tasks.add(task(child, start, start.getStep()));
        put(child, out);
        return out;
    }

    /** The parent's checkpoint could not be copied (removed by retention, corrupt): the child fails with the reason. */
    Actions forkFailed(ForkPlan plan, String reason) {
        Actions out = new Actions();
        if (!trials.containsKey(plan.child().getTrial().getTrialId())) {
            put(plan.child().toBuilder().setPhase(Phase.FAILED).setFailureReason(reason).setUpdatedAtMs(clock.nowMs())
                    .build(), out);
        }
        return out;
    }

    private ForkDecision refuse(String experimentId, String childId, ForkTrial command, TrialState parent, String reason) {
        log.error("refusing {}: {}", childId, reason);
        Actions out = new Actions();
        TrialState.Builder b = base(experimentId, childId, command, parent).setPhase(Phase.FAILED).setFailureReason(reason)
                .setStep(Math.max(0, command.getStep()));
        if (parent != null) {
            b.setSpecYaml(parent.getSpecYaml()).setSpecHash(parent.getSpecHash()).setSettings(parent.getSettings())
                    .setTotalSteps(parent.getTotalSteps());
        }
        put(b.build(), out);
        return new ForkDecision(out, null);
    }

    /** What every child state shares, whether the fork goes ahead or not. */
    private TrialState.Builder base(String experimentId, String childId, ForkTrial command, TrialState parent) {
        int index = (int) trials.values().stream().filter(t -> t.getTrial().getExperimentId().equals(experimentId)).count();
        StringBuilder label = new StringBuilder(parent == null ? command.getParentTrialId() : parent.getLabel());
        label.append(label.isEmpty() ? "" : ",").append("fork@").append(command.getStep());
        new java.util.TreeMap<>(command.getOverridesMap()).forEach((k, v) ->
                label.append(',').append(k.substring(k.lastIndexOf('.') + 1)).append('=').append(v));
        return TrialState.newBuilder().setTrial(TrialRef.newBuilder().setExperimentId(experimentId).setTrialId(childId))
                .setForkId(command.getForkId()).setLabel(label.toString()).setIndex(index)
                .setPbtMember(parent == null ? 0 : parent.getPbtMember())
                .setLatestFid(Double.NaN).setLatestIntraFid(Double.NaN).setBestFid(Double.NaN)
                .setMetricName(parent == null ? "" : parent.getMetricName())
                .setSubmittedAtMs(clock.nowMs()).setUpdatedAtMs(clock.nowMs());
    }

    /** A committed checkpoint: schedule the next segment, or finish the trial. */
    Actions checkpointCommitted(CheckpointEvent event) {
        Actions out = new Actions();
        TrialState t = trials.get(event.getTrial().getTrialId());
        long step = event.getCheckpoint().getStep();
        if (t == null || TrialPhases.isFinished(t.getPhase()) || step <= t.getStep()) {
            return out;  // unknown, finished, or a duplicate / stale announcement
        }
        String expected = ClusterLayout.checkpointUri(t.getSettings().getCheckpointRoot(), t.getTrial().getTrialId(), step);
        if (!expected.equals(event.getCheckpoint().getUri())) {
            // Forged or foreign: retention would later delete whatever this URI names (a bucket root).
            log.warn("ignoring a checkpoint event for {} at step {} naming {} instead of {}", t.getTrial().getTrialId(),
                    step, event.getCheckpoint().getUri(), expected);
            return out;
        }
        TrialState.Builder b = t.toBuilder().setStep(step).setLatest(event.getCheckpoint())
                .setWorkerId(event.getWorkerId()).addKept(event.getCheckpoint()).setUpdatedAtMs(clock.nowMs());
        if (event.hasStats() && event.getStats().getStepsPerSecond() > 0) {
            b.setStepsPerSecond(event.getStats().getStepsPerSecond());
        }
        Optional<RungResult> rung = rungAwaited(t, step) ? rungResult(t, step) : Optional.empty();
        if (rung.isPresent() && !rung.get().getPromoted()) {
            b.setPhase(Phase.STOPPED).setFailureReason(AshaRungs.stopReason(t.getSettings().getAsha(), rung.get()));
        } else if (rungAwaited(t, step) && rung.isEmpty()) {
            b.setPhase(Phase.RUNNING);  // at a rung: the next segment waits for the rung's evaluation
        } else if (pbtAwaited(t, step) && pbtDecision(t, step).isEmpty()) {
            b.setPhase(Phase.RUNNING);  // at a PBT interval: exploit or continue is decided on its evaluation
        } else if (step < t.getTotalSteps()) {
            b.setPhase(Phase.RUNNING);
            out.tasks.add(task(t, event.getCheckpoint(), step));
        } else {
            b.setPhase(awaitsFinalEvaluation(b) ? Phase.EVALUATING : Phase.DONE);
        }
        retain(b, out);
        put(b.build(), out);
        return out;
    }

    Actions evaluated(EvaluationResult result) {
        Actions out = new Actions();
        TrialState t = trials.get(result.getTrial().getTrialId());
        if (t == null || t.getEvaluatedStepsList().contains(result.getStep())) {
            return out;
        }
        EvaluationPolicy policy = t.getSettings().getEvalPolicy();
        if (!MetricNames.followsProtocol(result.getMetricDefinition(), policy.getSplit(), policy.getSamplesPerClass(),
                policy.getEvalSeed(), GeneratorChoice.bySpecName(policy.getGenerator()).orElse(GeneratorChoice.RAW))) {
            return out;  // a user's extra evaluation (other samples or seed): shown in results, never the trial's best
        }
        TrialState.Builder b = t.toBuilder().addEvaluatedSteps(result.getStep()).setUpdatedAtMs(clock.nowMs());
        if (result.getStep() >= t.getLatestFidStep() || Double.isNaN(t.getLatestFid())) {
            b.setLatestFid(result.getFid()).setLatestIntraFid(result.getIntraFid()).setLatestFidStep(result.getStep());
        }
        if (Double.isNaN(t.getBestFid()) || result.getFid() < t.getBestFid()) {
            b.setBestFid(result.getFid()).setBestFidStep(result.getStep()).setBestCheckpointUri(result.getCheckpoint().getUri());
        }
        if (t.getPhase() == Phase.EVALUATING && !awaitsFinalEvaluation(b)) {
            b.setPhase(Phase.DONE);
        }
        if (rungAwaited(t, result.getStep()) && rungResult(t, result.getStep()).isEmpty()) {
            AshaSettings asha = t.getSettings().getAsha();
            decideRung(t, b, AshaRungs.decide(asha, result.getStep(),
                    AshaRungs.metric(asha, result).orElse(Double.NaN), seenAtRung(t, result.getStep())), out);
        }
        if (pbtAwaited(t, result.getStep()) && pbtDecision(t, result.getStep()).isEmpty()) {
            decidePbt(t, b, result.getStep(), AshaRungs.metric(t.getSettings().getPbt().getMetric(), result)
                    .orElse(Double.NaN), out);
        }
        retain(b, out);
        put(b.build(), out);
        return out;
    }

    /** Whether {@code step} is an ASHA rung of this trial (always below its last step). */
    private static boolean rungAwaited(TrialState t, long step) {
        return t.getSettings().hasAsha() && step < t.getTotalSteps() && t.getSettings().getAsha().getRungsList().contains(step);
    }

    private static Optional<RungResult> rungResult(dev.gantry.proto.v1.TrialStateOrBuilder t, long step) {
        return t.getRungsList().stream().filter(r -> r.getStep() == step).findFirst();
    }

    /** The values the experiment's other trials recorded at this rung: the results seen there so far. */
    private List<Double> seenAtRung(TrialState t, long step) {
        List<Double> seen = new ArrayList<>();
        for (TrialState other : othersInExperiment(t)) {
            rungResult(other, step).filter(r -> !r.getUnevaluated()).ifPresent(r -> seen.add(r.getValue()));
        }
        return seen;
    }

    /** The trials of {@code t}'s experiment but {@code t}: whose results a rung or interval has seen. */
    private List<TrialState> othersInExperiment(TrialState t) {
        return trials.values().stream().filter(o -> o.getTrial().getExperimentId().equals(t.getTrial().getExperimentId())
                && !o.getTrial().getTrialId().equals(t.getTrial().getTrialId())).toList();
    }

    /** A trial waiting at {@code step} (a rung or interval) that may go on gets its next segment. */
    private void continueIfWaiting(TrialState t, long step, Actions out) {
        if (!TrialPhases.isFinished(t.getPhase()) && t.getStep() == step && t.hasLatest()) {
            out.tasks.add(task(t, t.getLatest(), t.getStep()));
        }
    }

    /**
     * Records a rung decision. A promoted trial already waiting at the rung gets its next segment; a
     * trial whose checkpoint event has not arrived yet gets it then ({@link #checkpointCommitted}).
     */
    private void decideRung(TrialState t, TrialState.Builder b, RungResult decision, Actions out) {
        b.addRungs(decision);
        if (TrialPhases.isFinished(t.getPhase())) {
            return;
        }
        if (!decision.getPromoted()) {
            b.setPhase(Phase.STOPPED).setFailureReason(AshaRungs.stopReason(t.getSettings().getAsha(), decision));
        } else {
            continueIfWaiting(t, decision.getStep(), out);
        }
    }

    /** Whether {@code step} is a PBT interval of this trial (below its last step, after its own first step). */
    private static boolean pbtAwaited(TrialState t, long step) {
        return t.getSettings().hasPbt() && step < t.getTotalSteps() && step > startStep(t)
                && t.getSettings().getPbt().getStepsList().contains(step);
    }

    /** The step a trial's own training starts from: 0, or a fork's step. */
    private static long startStep(dev.gantry.proto.v1.TrialStateOrBuilder t) {
        return t.getLineageCount() == 0 ? 0 : t.getLineage(t.getLineageCount() - 1).getFromStep();
    }

    private static Optional<PbtDecision> pbtDecision(dev.gantry.proto.v1.TrialStateOrBuilder t, long step) {
        return t.getPbtList().stream().filter(d -> d.getStep() == step).findFirst();
    }

    /** The values the experiment's other members recorded at this interval step: the results seen there so far. */
    private List<PbtDecisions.Seen> seenAtInterval(TrialState t, long step) {
        List<PbtDecisions.Seen> seen = new ArrayList<>();
        for (TrialState other : othersInExperiment(t)) {
            pbtDecision(other, step).filter(d -> !d.getUnevaluated())
                    .ifPresent(d -> seen.add(new PbtDecisions.Seen(other.getTrial().getTrialId(), d.getValue())));
        }
        return seen;
    }

    /**
     * Records a member's PBT decision at an interval step, from its result and the results the
     * population recorded there so far. A member in the top or middle continues (its next segment
     * now, or when its checkpoint event arrives). One in the bottom quantile exploits a top member:
     * it ends STOPPED, and a fork of the winner's checkpoint at this step with explored
     * hyperparameters takes its place in the population (same member slot). The fork goes through
     * the fork path: the coordinator copies the checkpoint before the transaction that records both
     * commits ({@link Forks#complete}). The child's id names (member, step, winner), and every draw
     * comes from (seed, member, step), so a restarted coordinator makes the same fork.
     */
    private void decidePbt(TrialState t, TrialState.Builder b, long step, double value, Actions out) {
        PbtSettings pbt = t.getSettings().getPbt();
        SplittableRandom random = PbtExplore.random(pbt.getSeed(), t.getPbtMember(), step);
        PbtDecisions.Decision decision = PbtDecisions.decide(pbt, value, seenAtInterval(t, step), random);
        PbtDecision.Builder d = PbtDecision.newBuilder().setStep(step).setValue(value).setRank(decision.rank())
                .setSeen(decision.seen());
        if (TrialPhases.isFinished(t.getPhase()) || decision.winner().isEmpty()) {
            b.addPbt(d);
            continueIfWaiting(t, step, out);
            return;
        }
        String experimentId = t.getTrial().getExperimentId();
        TrialState winner = trials.get(decision.winner().get());
        List<ExperimentPlan.Mutation> mutations = new ArrayList<>();
        pbt.getMutationsList().forEach(m -> mutations.add(new ExperimentPlan.Mutation(m.getKey(), m.getPerturbList(),
                m.getResampleJson())));
        Map<String, String> overrides = PbtExplore.explore(mutations,
                SpecLoader.parse(winner.getSpecYaml(), "trial " + winner.getTrial().getTrialId() + " spec"), random);
        // The loser's trial index, unique in the experiment (a member's slot is shared by its successive
        // trials, and a user's fork of a member is in the same slot): two exploits never share a child id.
        String forkId = "pbt" + t.getIndex() + "." + step + ".w" + winner.getIndex();
        String childId = forkTrialId(experimentId, forkId);
        ForkDecision fork = fork(experimentId, ForkTrial.newBuilder().setForkId(forkId)
                .setParentTrialId(winner.getTrial().getTrialId()).setStep(step).putAllOverrides(overrides)
                .setRequestedBy("pbt").build());
        if (fork.copy() == null) {
            // The explored values made a spec the fork refuses: the member is not stopped for it, it
            // continues with its own values, and the refused child (FAILED) says why.
            merge(out, fork.decided());
            b.addPbt(d.setWinnerTrialId(winner.getTrial().getTrialId()).setChildTrialId(childId).putAllOverrides(overrides));
            continueIfWaiting(t, step, out);
            return;
        }
        d.setExploited(true).setWinnerTrialId(winner.getTrial().getTrialId()).setChildTrialId(childId)
                .putAllOverrides(overrides);
        String metric = pbt.getMetric().isEmpty() ? "fid" : pbt.getMetric();
        b.addPbt(d).setPhase(Phase.STOPPED).setFailureReason(String.format(java.util.Locale.ROOT,
                "exploited by PBT at step %d: %s %.4g ranked %d of %d (bottom %d); continues as %s, a fork of %s@%d with %s",
                step, metric, value, decision.rank(), decision.seen(), decision.quantileCount(), childId,
                winner.getTrial().getTrialId(), step, new java.util.TreeMap<>(overrides)));
        StringBuilder label = new StringBuilder("member=" + t.getPbtMember() + ",exploit=t" + winner.getIndex() + "@" + step);
        new java.util.TreeMap<>(overrides).forEach((k, v) ->
                label.append(',').append(k.substring(k.lastIndexOf('.') + 1)).append('=').append(v));
        ForkPlan plan = fork.copy();
        out.forks.add(new ForkPlan(plan.child().toBuilder().setPbtMember(t.getPbtMember()).setLabel(label.toString())
                .build(), plan.parentUri(), plan.expectedParentManifest(), plan.childUri(), plan.lineage()));
    }

    private static void merge(Actions into, Actions from) {
        into.tasks.addAll(from.tasks);
        into.states.addAll(from.states);
        into.deletions.addAll(from.deletions);
        into.forks.addAll(from.forks);
    }

    /**
     * PBT interval checkpoints another member may still exploit: steps where this member recorded a
     * result and some live member of the population has not decided yet. Retention keeps them.
     */
    private Set<Long> pinned(TrialState.Builder b) {
        Set<Long> pinned = new TreeSet<>();
        if (!b.getSettings().hasPbt()) {
            return pinned;
        }
        for (PbtDecision mine : b.getPbtList()) {
            long s = mine.getStep();
            if (mine.getExploited() || mine.getUnevaluated()) {
                continue;
            }
            for (TrialState m : trials.values()) {
                if (m.getTrial().getExperimentId().equals(b.getTrial().getExperimentId())
                        && !m.getTrial().getTrialId().equals(b.getTrial().getTrialId())
                        && !TrialPhases.isFinished(m.getPhase()) && startStep(m) < s && pbtDecision(m, s).isEmpty()) {
                    pinned.add(s);
                    break;
                }
            }
        }
        return pinned;
    }

    /** A parked task: fall back to an earlier checkpoint if the start was unusable, else fail the trial. */
    Actions failed(TaskFailure failure) {
        Actions out = new Actions();
        TrialState t = trials.get(failure.getTrial().getTrialId());
        if (t == null || TrialPhases.isFinished(t.getPhase())) {
            return out;
        }
        switch (kindOf(failure)) {
            case SCHEDULED_EVALUATION -> {
                return evaluationFailed(t, failure, out);
            }
            case REQUESTED_EVALUATION -> {
                return out;  // a user's extra evaluation: the asker sees no result; the trial is not concerned
            }
            default -> { }
        }
        if (failure.getFromStep() != t.getStep()) {
            return out;  // a stale duplicate of a task the trial has moved past
        }
        if (failure.getKind() == TaskFailure.Kind.CORRUPT_CHECKPOINT && t.getFallbacks() >= MAX_FALLBACKS) {
            put(t.toBuilder().setPhase(Phase.FAILED).setFailureReason("gave up after " + MAX_FALLBACKS
                    + " fallbacks from corrupt checkpoints; last: " + failure.getReason()).setUpdatedAtMs(clock.nowMs())
                    .build(), out);
            return out;
        }
        if (failure.getKind() == TaskFailure.Kind.CORRUPT_CHECKPOINT) {
            Optional<CheckpointRef> previous = t.getKeptList().stream().filter(c -> c.getStep() < t.getStep())
                    .max(Comparator.comparingLong(CheckpointRef::getStep));
            List<CheckpointRef> kept = new ArrayList<>(t.getKeptList());
            kept.removeIf(c -> c.getStep() == t.getStep());
            TrialState.Builder b = t.toBuilder().clearKept().addAllKept(kept).setUpdatedAtMs(clock.nowMs())
                    .setFallbacks(t.getFallbacks() + 1)
                    .setFailureReason("fell back from step " + t.getStep() + ": " + failure.getReason());
            // A fork has no step 0 of its own: below its first checkpoint there is nothing to fall back to.
            if (previous.isPresent() || (t.getStep() > 0 && t.getLineageCount() == 0)) {
                CheckpointRef from = previous.orElse(null);
                long step = from == null ? 0 : from.getStep();
                b.setStep(step).setPhase(Phase.RUNNING);
                if (from == null) {
                    b.clearLatest();
                } else {
                    b.setLatest(from);
                }
                TrialState fallen = b.build();
                out.tasks.add(task(fallen, from, step));
                put(fallen, out);
                return out;
            }
        }
        put(t.toBuilder().setPhase(Phase.FAILED).setFailureReason(failure.getReason() + " (task " + failure.getTaskId()
                + ", worker " + failure.getWorkerId() + ")").setUpdatedAtMs(clock.nowMs()).build(), out);
        return out;
    }

    /**
     * The failed task's kind; failures from workers older than the task_kind field carry only
     * their task id, where scheduled evaluations end in "/eval".
     */
    private static TaskFailure.TaskKind kindOf(TaskFailure failure) {
        if (failure.getTaskKind() != TaskFailure.TaskKind.TASK_KIND_UNSPECIFIED) {
            return failure.getTaskKind();
        }
        return failure.getTaskId().endsWith("/eval") ? TaskFailure.TaskKind.SCHEDULED_EVALUATION
                : failure.getTaskId().endsWith("/eval-request") ? TaskFailure.TaskKind.REQUESTED_EVALUATION
                : TaskFailure.TaskKind.TRAINING_SEGMENT;
    }

    /**
     * A scheduled evaluation that was parked never fails the trial's training: the reason is
     * recorded, and a trial waiting only for its final evaluation is done without it.
     */
    private Actions evaluationFailed(TrialState t, TaskFailure failure, Actions out) {
        long step = failure.getFromStep();
        if (t.getFailedEvalStepsList().contains(step) || t.getEvaluatedStepsList().contains(step)) {
            return out;
        }
        // Remembered, not just logged: the failure may arrive before the checkpoint event of the
        // final step, and a step whose evaluation failed must neither be awaited nor kept for ever.
        TrialState.Builder b = t.toBuilder().addFailedEvalSteps(step).setUpdatedAtMs(clock.nowMs())
                .setFailureReason("evaluation at step " + step + " failed: " + failure.getReason());
        if (t.getPhase() == Phase.EVALUATING && !awaitsFinalEvaluation(b)) {
            b.setPhase(Phase.DONE);
        }
        if (rungAwaited(t, step) && rungResult(t, step).isEmpty()) {
            // A trial is not stopped for want of a number: it continues, and the rung records why.
            decideRung(t, b, RungResult.newBuilder().setStep(step).setValue(Double.NaN).setPromoted(true)
                    .setUnevaluated(true).build(), out);
        }
        if (pbtAwaited(t, step) && pbtDecision(t, step).isEmpty()) {
            // Neither exploited nor a winner for want of a number: the member continues, and the step records why.
            b.addPbt(PbtDecision.newBuilder().setStep(step).setValue(Double.NaN).setUnevaluated(true));
            continueIfWaiting(t, step, out);
        }
        retain(b, out);
        put(b.build(), out);
        return out;
    }

    Actions cancel(String experimentId, String reason) {
        Actions out = new Actions();
        for (TrialState t : trials.values()) {
            if (t.getTrial().getExperimentId().equals(experimentId) && !TrialPhases.isFinished(t.getPhase())) {
                put(t.toBuilder().setPhase(Phase.CANCELLED).setFailureReason(reason).setUpdatedAtMs(clock.nowMs()).build(),
                        out);
            }
        }
        return out;
    }

    /** The first progress report of a queued trial marks it running on that worker. */
    Actions progress(WorkerProgress progress) {
        Actions out = new Actions();
        TrialState t = trials.get(progress.getTrial().getTrialId());
        if (t != null && t.getPhase() == Phase.PENDING) {
            put(t.toBuilder().setPhase(Phase.RUNNING).setWorkerId(progress.getWorkerId())
                    .setStepsPerSecond(progress.getStats().getStepsPerSecond()).setUpdatedAtMs(clock.nowMs()).build(), out);
        }
        return out;
    }

    private void put(TrialState state, Actions out) {
        trials.put(state.getTrial().getTrialId(), state);
        out.states.add(state);
    }

    private static boolean awaitsFinalEvaluation(dev.gantry.proto.v1.TrialStateOrBuilder t) {
        EvaluationPolicy p = t.getSettings().getEvalPolicy();
        return p.getFinalStep() && !t.getEvaluatedStepsList().contains(t.getTotalSteps())
                && !t.getFailedEvalStepsList().contains(t.getTotalSteps());
    }

    /**
     * Retention: keep the latest K checkpoints, the best by FID, any that an evaluation has not
     * yet read, and PBT interval checkpoints a member may still exploit ({@link #pinned}); the running segment starts from the latest, which is always kept.
     */
    private void retain(TrialState.Builder b, Actions out) {
        retain(b, out, pinned(b));
    }

    private static void retain(TrialState.Builder b, Actions out, Set<Long> pinned) {
        int keep = Math.max(1, b.getSettings().getKeepLatest());
        List<CheckpointRef> byStep = new ArrayList<>(b.getKeptList());
        byStep.sort(Comparator.comparingLong(CheckpointRef::getStep).reversed());
        List<CheckpointRef> kept = new ArrayList<>();
        for (int i = 0; i < byStep.size(); i++) {
            CheckpointRef c = byStep.get(i);
            boolean latest = i < keep;
            boolean best = c.getUri().equals(b.getBestCheckpointUri());
            // A fork's first checkpoint is a copy no checkpoint event announces, so no evaluation comes for it.
            boolean awaitingEval = c.getStep() > startStep(b)
                    && EvaluationPolicies.due(b.getSettings().getEvalPolicy(), c.getStep(), b.getTotalSteps())
                    && !b.getEvaluatedStepsList().contains(c.getStep()) && !b.getFailedEvalStepsList().contains(c.getStep());
            if (latest || best || awaitingEval || pinned.contains(c.getStep())) {
                kept.add(c);
            } else {
                out.deletions.add(c);
            }
        }
        kept.sort(Comparator.comparingLong(CheckpointRef::getStep));
        b.clearKept().addAllKept(kept);
    }

    private static TrainingTask task(TrialState t, CheckpointRef from, long fromStep) {
        // Segments end on multiples of segmentSteps (where evaluations are due), also after a fork at any step.
        long segment = t.getSettings().getSegmentSteps();
        long to = Math.min(t.getTotalSteps(), (fromStep / segment + 1) * segment);
        TrainingTask.Builder b = TrainingTask.newBuilder()
                .setTaskId(TaskIds.segment(t.getTrial().getTrialId(), fromStep, to)).setTrial(t.getTrial())
                .setFromStep(fromStep).setToStep(to).setSpecYaml(t.getSpecYaml())
                .setSpecHash(t.getSpecHash())
                .setCheckpointUriPrefix(ClusterLayout.trialPrefix(t.getSettings().getCheckpointRoot(), t.getTrial().getTrialId()))
                .setEvalPolicy(t.getSettings().getEvalPolicy()).setTotalSteps(t.getTotalSteps());
        if (from != null) {
            b.setStart(from);
        }
        return b.build();
    }
}
