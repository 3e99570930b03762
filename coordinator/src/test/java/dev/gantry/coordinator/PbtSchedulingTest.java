package dev.gantry.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.cluster.ClusterLayout;
import dev.gantry.cluster.MetricNames;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.PbtDecision;
import dev.gantry.proto.v1.PbtSettings;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.TrialState.Phase;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.spec.SpecLoader;
import dev.gantry.testing.TinySpecs;
import dev.gantry.transport.EvaluationPolicies;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Population-based training in the scheduler, on synthetic results: no broker, no store, no training. */
class PbtSchedulingTest {
    private static final String EXPERIMENT = "pbt-1";
    private static final String ROOT = "s3://bucket/gantry/";
    /** Results at step 200 in arrival order, one per member 0..7 (FID: lower is better). */
    private static final double[] FIDS = {5, 3, 4, 6, 1, 7, 2, 8};
    private long now = 1_000;
    private TrialScheduler scheduler;

    @BeforeEach
    void setUp() {
        scheduler = new TrialScheduler(() -> now);
    }

    /** Eight members of 1000 steps in 100-step segments, deciding every 200 steps; the latest checkpoint kept. */
    private static ExperimentPlan plan(long seed) {
        String yaml = TinySpecs.yaml("").replace("steps: 4", "steps: 1000") + """
                experiment:
                  segmentSteps: 100
                  evaluation: {everySteps: 0, finalStep: true}
                  retention: {keepLatest: 1}
                  search:
                    kind: pbt
                    population: 8
                    seed: %d
                    interval: 200
                    space: {training.lrG: {loguniform: [1.0e-5, 1.0e-3]}}
                    mutations:
                      training.lrG: {perturb: [0.8, 1.2]}
                      training.lrD: {resample: {loguniform: [1.0e-5, 1.0e-3]}}
                """.formatted(seed);
        return PlanLoader.parse(yaml, "pbt.yaml");
    }

    @Test
    void quantileCountsFollowRayTune() {
        // k = min(ceil(n q), floor(n / 2)): nobody exploits alone; of two, the worse exploits the better
        int[] expected = {0, 1, 1, 1, 2, 2, 2, 2, 3};
        for (int n = 1; n <= 9; n++) {
            assertEquals(expected[n - 1], PbtDecisions.quantileCount(n, 0.25), "n=" + n);
        }
        PbtSettings min = PbtSettings.newBuilder().setQuantile(0.25).build();
        // a diverged member (NaN) ranks last and is never a winner
        PbtDecisions.Decision d = PbtDecisions.decide(min, Double.NaN, List.of(new PbtDecisions.Seen("a", 5)),
                new SplittableRandom(0));
        assertEquals("a", d.winner().orElseThrow());
        assertTrue(PbtDecisions.decide(min, 5, List.of(new PbtDecisions.Seen("a", Double.NaN)), new SplittableRandom(0))
                .winner().isEmpty());
        // maximising (e.g. precision) mirrors
        PbtSettings max = min.toBuilder().setMaximize(true).build();
        assertTrue(PbtDecisions.decide(max, 5, List.of(new PbtDecisions.Seen("a", 3)), new SplittableRandom(0))
                .winner().isEmpty());
        assertEquals("a", PbtDecisions.decide(max, 3, List.of(new PbtDecisions.Seen("a", 5)), new SplittableRandom(0))
                .winner().orElseThrow());
    }

    @Test
    void intervalsAreEvaluatedAndMembersWaitThere() {
        scheduler.submit(EXPERIMENT, plan(0), ROOT);
        TrialState t = trial(0);
        assertEquals(List.of(200L, 400L, 600L, 800L), t.getSettings().getPbt().getStepsList());
        assertTrue(EvaluationPolicies.due(t.getSettings().getEvalPolicy(), 200, 1000));
        assertFalse(EvaluationPolicies.due(t.getSettings().getEvalPolicy(), 300, 1000));
        assertEquals(1, scheduler.checkpointCommitted(committed(0, 100)).tasks.size(), "no interval at 100");
        assertTrue(scheduler.checkpointCommitted(committed(0, 200)).tasks.isEmpty(), "waits for the decision");
        assertEquals(Phase.RUNNING, trial(0).getPhase());
        Actions decided = scheduler.evaluated(result(0, 200, 5));
        assertEquals(1, decided.tasks.size(), "the first result at a step continues at once");
        assertEquals(200, decided.tasks.get(0).getFromStep());
    }

    @Test
    void bottomQuantileExploitsTopQuantileAndTheMiddleContinues() {
        scheduler.submit(EXPERIMENT, plan(0), ROOT);
        List<Actions> decided = arriveAt200(scheduler);
        // hand-computed: member, n seen, k, rank; exploit iff rank > n - k; winners are the top k seen
        //   m0 5: n1 k0 r1 continue   m1 3: n2 k1 r1 continue   m2 4: n3 k1 r2 continue (the middle)
        //   m3 6: n4 k1 r4 exploit {m1}   m4 1: n5 k2 r1 continue   m5 7: n6 k2 r6 exploit {m4, m1}
        //   m6 2: n7 k2 r2 continue   m7 8: n8 k2 r8 exploit {m4, m6}
        int[] ranks = {1, 1, 2, 4, 1, 6, 2, 8};
        List<Set<Integer>> winners = List.of(Set.of(), Set.of(), Set.of(), Set.of(1), Set.of(), Set.of(4, 1), Set.of(),
                Set.of(4, 6));
        for (int m = 0; m < 8; m++) {
            PbtDecision d = trial(m).getPbt(0);
            assertEquals(200, d.getStep());
            assertEquals(FIDS[m], d.getValue());
            assertEquals(m + 1, d.getSeen());
            assertEquals(ranks[m], d.getRank(), "rank of member " + m);
            assertEquals(!winners.get(m).isEmpty(), d.getExploited(), "member " + m);
            if (winners.get(m).isEmpty()) {
                assertEquals(Phase.RUNNING, trial(m).getPhase());
                assertEquals(1, decided.get(m).tasks.size(), "member " + m + " continues from 200");
                assertTrue(decided.get(m).forks.isEmpty());
                continue;
            }
            assertEquals(Phase.STOPPED, trial(m).getPhase());
            assertTrue(trial(m).getFailureReason().startsWith("exploited by PBT at step 200: fid"),
                    trial(m).getFailureReason());
            assertTrue(decided.get(m).tasks.isEmpty());
            int w = trial(d.getWinnerTrialId()).getIndex();
            assertTrue(winners.get(m).contains(w), "member " + m + " exploited t" + w);
            assertEquals(TrialScheduler.forkTrialId(EXPERIMENT, "pbt" + m + ".200.w" + w), d.getChildTrialId());

            // the child: a fork of the winner's checkpoint at 200 in the loser's slot, lrG perturbed
            assertEquals(1, decided.get(m).forks.size());
            TrialScheduler.ForkPlan plan = decided.get(m).forks.get(0);
            assertEquals(d.getChildTrialId(), plan.child().getTrial().getTrialId());
            assertEquals(m, plan.child().getPbtMember());
            assertEquals(200, plan.child().getStep());
            assertEquals(ClusterLayout.checkpointUri(trial(w).getSettings().getCheckpointRoot(), trial(w).getTrial()
                    .getTrialId(), 200), plan.parentUri());
            assertEquals(d.getOverridesMap(), plan.lineage().last().overrides());
            assertEquals(trial(w).getTrial().getTrialId(), plan.lineage().last().parentTrialId());
            double winnerLr = SpecLoader.parse(trial(w).getSpecYaml(), "w").training().lrG();
            double childLr = plan.child().getSpecYaml().isEmpty() ? 0
                    : SpecLoader.parse(plan.child().getSpecYaml(), "c").training().lrG();
            assertTrue(childLr == round(winnerLr * 0.8) || childLr == round(winnerLr * 1.2),
                    childLr + " from " + winnerLr);
            double lrD = Double.parseDouble(d.getOverridesOrThrow("training.lrD"));
            assertTrue(lrD >= 1e-5 && lrD <= 1e-3, "resampled lrD " + lrD);
        }
    }

    @Test
    void theSameSeedMakesTheSameDecisions() {
        scheduler.submit(EXPERIMENT, plan(4), ROOT);
        List<Actions> a = arriveAt200(scheduler);
        TrialScheduler again = new TrialScheduler(() -> now);
        again.submit(EXPERIMENT, plan(4), ROOT);
        List<Actions> b = arriveAt200(again);
        for (int m = 0; m < 8; m++) {
            assertEquals(a.get(m).states, b.get(m).states, "member " + m);
            assertEquals(a.get(m).tasks, b.get(m).tasks);
            assertEquals(a.get(m).forks, b.get(m).forks);
        }
    }

    @Test
    void aDuplicateResultChangesNothing() {
        scheduler.submit(EXPERIMENT, plan(0), ROOT);
        arriveAt200(scheduler);
        for (int m = 0; m < 8; m++) {
            Actions dup = scheduler.evaluated(result(m, 200, FIDS[m]));
            assertTrue(dup.isEmpty(), "member " + m);
            Actions other = scheduler.evaluated(result(m, 200, 0.1));  // even with another value
            assertTrue(other.isEmpty(), "member " + m);
        }
        // and a late checkpoint event of an exploited member schedules nothing
        assertTrue(scheduler.checkpointCommitted(committed(3, 300)).isEmpty());
    }

    @Test
    void aCoordinatorRestartedBetweenAResultAndItsDecisionDecidesTheSame() {
        scheduler.submit(EXPERIMENT, plan(0), ROOT);
        for (int m = 0; m < 7; m++) {
            scheduler.checkpointCommitted(committed(m, 100));
            scheduler.checkpointCommitted(committed(m, 200));
            scheduler.evaluated(result(m, 200, FIDS[m]));
        }
        scheduler.checkpointCommitted(committed(7, 100));
        scheduler.checkpointCommitted(committed(7, 200));
        // killed before member 7's result was decided (its transaction never committed); a new one rebuilds
        TrialScheduler restarted = new TrialScheduler(() -> now);
        scheduler.trials().forEach(restarted::restore);
        Actions before = scheduler.evaluated(result(7, 200, FIDS[7]));
        Actions after = restarted.evaluated(result(7, 200, FIDS[7]));
        assertFalse(before.forks.isEmpty());
        assertEquals(before.states, after.states);
        assertEquals(before.tasks, after.tasks);
        assertEquals(before.forks, after.forks);
    }

    @Test
    void theChildTakesTheMemberSlotAndDecidesAtTheNextInterval() {
        scheduler.submit(EXPERIMENT, plan(0), ROOT);
        List<Actions> decided = arriveAt200(scheduler);
        TrialScheduler.ForkPlan plan = decided.get(3).forks.get(0);
        Actions published = scheduler.forkCopied(plan, "manifest-sha", plan.lineage());
        TrialState child = scheduler.trial(plan.child().getTrial().getTrialId()).orElseThrow();
        assertEquals(Phase.PENDING, child.getPhase());
        assertEquals(3, child.getPbtMember());
        assertEquals(2, child.getLineageCount(), "root member, then the fork");
        assertEquals(1, published.tasks.size());
        assertEquals(200, published.tasks.get(0).getFromStep());
        assertEquals(300, published.tasks.get(0).getToStep());
        CheckpointEvent at300 = committed(child, 300);
        assertEquals(1, scheduler.checkpointCommitted(at300).tasks.size());
        assertTrue(scheduler.checkpointCommitted(committed(child, 400)).tasks.isEmpty(), "waits at 400");
        Actions at400 = scheduler.evaluated(result(child, 400, 2.5));
        assertEquals(1, at400.tasks.size(), "the first result at 400 continues");
        child = scheduler.trial(child.getTrial().getTrialId()).orElseThrow();
        assertEquals(400, child.getPbt(0).getStep());
        assertEquals(1, child.getPbtCount(), "no decision at its own fork step");
    }

    @Test
    void aFailedIntervalEvaluationLetsTheMemberContinue() {
        scheduler.submit(EXPERIMENT, plan(0), ROOT);
        scheduler.checkpointCommitted(committed(0, 100));
        scheduler.checkpointCommitted(committed(0, 200));
        Actions out = scheduler.failed(TaskFailure.newBuilder().setTaskId("t/eval").setTrial(trial(0).getTrial())
                .setReason("boom").setTaskKind(TaskFailure.TaskKind.SCHEDULED_EVALUATION).setFromStep(200).build());
        assertEquals(1, out.tasks.size());
        assertTrue(trial(0).getPbt(0).getUnevaluated());
        assertFalse(trial(0).getPbt(0).getExploited());
    }

    @Test
    void retentionKeepsAnIntervalCheckpointWhileAMemberMayStillExploitIt() {
        scheduler.submit(EXPERIMENT, plan(0), ROOT);
        // member 1 runs ahead: 200 (fid 3), then 400 (fid 2, its best), then 500 (its latest; keepLatest 1)
        for (long step = 100; step <= 500; step += 100) {
            scheduler.checkpointCommitted(committed(1, step));
            if (step == 200 || step == 400) {
                scheduler.evaluated(result(1, step, step == 200 ? 3 : 2));
            }
        }
        assertEquals(List.of(200L, 400L, 500L), keptSteps(1), "200 neither latest nor best, but others may exploit it");
        for (int m = 0; m < 8; m++) {
            if (m != 1) {
                scheduler.checkpointCommitted(committed(m, 100));
                scheduler.checkpointCommitted(committed(m, 200));
                scheduler.evaluated(result(m, 200, FIDS[m]));
            }
        }
        Actions at600 = scheduler.checkpointCommitted(committed(1, 600));
        assertEquals(List.of(400L, 600L), keptSteps(1), "every live member decided at 200; 400 is the best");
        assertTrue(at600.deletions.stream().anyMatch(c -> c.getStep() == 200));
    }

    private List<Long> keptSteps(int m) {
        return trial(m).getKeptList().stream().map(CheckpointRef::getStep).toList();
    }

    /** Every member reaches 200 and its result arrives, members in order 0..7; the decisions' actions. */
    private List<Actions> arriveAt200(TrialScheduler s) {
        TrialScheduler saved = scheduler;
        scheduler = s;
        try {
            List<Actions> out = new ArrayList<>();
            for (int m = 0; m < 8; m++) {
                s.checkpointCommitted(committed(m, 100));
                s.checkpointCommitted(committed(m, 200));
                out.add(s.evaluated(result(m, 200, FIDS[m])));
            }
            return out;
        } finally {
            scheduler = saved;
        }
    }

    private static double round(double x) {
        return Double.parseDouble(new BigDecimal(x).round(new MathContext(4)).toString());
    }

    private TrialState trial(int index) {
        return scheduler.trial(TrialScheduler.trialId(EXPERIMENT, index)).orElseThrow();
    }

    private TrialState trial(String id) {
        TrialState t = scheduler.trial(id).orElse(null);
        assertNotNull(t, id);
        return t;
    }

    private static CheckpointRef checkpoint(TrialState t, long step) {
        return CheckpointRef.newBuilder().setStep(step).setManifestSha256("m" + step).setUri(ClusterLayout.checkpointUri(
                t.getSettings().getCheckpointRoot(), t.getTrial().getTrialId(), step)).build();
    }

    private CheckpointEvent committed(int index, long step) {
        return committed(trial(index), step);
    }

    private static CheckpointEvent committed(TrialState t, long step) {
        return CheckpointEvent.newBuilder().setTrial(t.getTrial()).setCheckpoint(checkpoint(t, step))
                .setWorkerId("w1").setTotalSteps(1000).build();
    }

    private EvaluationResult result(int index, long step, double fid) {
        return result(trial(index), step, fid);
    }

    private static EvaluationResult result(TrialState t, long step, double fid) {
        return EvaluationResult.newBuilder().setTrial(t.getTrial()).setStep(step).setCheckpoint(checkpoint(t, step))
                .setFid(fid).setIntraFid(fid * 2)
                .setMetricDefinition(MetricNames.definition("fmnist-cnn-v1", "test", 0, 0)).build();
    }
}
