package dev.gantry.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.cluster.ClusterLayout;
import dev.gantry.cluster.MetricNames;
import dev.gantry.proto.v1.AshaSettings;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.RungResult;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.TrialState.Phase;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.testing.TinySpecs;
import dev.gantry.transport.EvaluationPolicies;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ASHA in the scheduler, on synthetic results: no broker, no training. */
class AshaSchedulingTest {
    private static final String EXPERIMENT = "asha-1";
    private static final String ROOT = "s3://bucket/gantry/";
    private long now = 1_000;
    private TrialScheduler scheduler;

    @BeforeEach
    void setUp() {
        scheduler = new TrialScheduler(() -> now);
    }

    /** Nine trials of 900 steps in 100-step segments; rungs at 100 and 300 (eta 3). */
    private ExperimentPlan plan() {
        String yaml = TinySpecs.yaml("").replace("steps: 4", "steps: 900") + """
                experiment:
                  segmentSteps: 100
                  evaluation: {everySteps: 0, finalStep: true}
                  search:
                    kind: asha
                    samples: 9
                    seed: 1
                    minSteps: 100
                    eta: 3
                    space: {training.lrG: {loguniform: [1.0e-5, 1.0e-3]}}
                """;
        return PlanLoader.parse(yaml, "asha.yaml");
    }

    private static AshaSettings settings(int eta, boolean maximize) {
        return AshaSettings.newBuilder().setEta(eta).setMaximize(maximize).setMetric("fid").build();
    }

    @Test
    void decisionsEqualAHandComputedTable() {
        // eta = 3: a trial continues if it ranks in the top max(1, floor(n / 3)) of the n results seen so far.
        double[] arriving = {5, 3, 4, 1, 2, 6, 0.5, 7, 8};
        //                     n: 1  2  3  4  5  6  7  8  9
        //                  keep: 1  1  1  1  1  2  2  2  3
        int[] ranks = {1, 1, 2, 1, 2, 6, 1, 8, 9};
        boolean[] promoted = {true, true, false, true, false, false, true, false, false};
        List<Double> seen = new ArrayList<>();
        for (int i = 0; i < arriving.length; i++) {
            RungResult r = AshaRungs.decide(settings(3, false), 100, arriving[i], seen);
            assertEquals(ranks[i], r.getRank(), "rank of arrival " + i);
            assertEquals(i + 1, r.getSeen());
            assertEquals(promoted[i], r.getPromoted(), "decision of arrival " + i);
            seen.add(arriving[i]);
        }
        // maximising (e.g. precision): the same values mirror
        assertTrue(AshaRungs.decide(settings(3, true), 100, 8, List.of(5.0, 3.0)).getPromoted());
        assertFalse(AshaRungs.decide(settings(3, true), 100, 4, List.of(5.0, 3.0)).getPromoted());
        // a diverged run (NaN) ranks last, and never stands in another's way
        assertFalse(AshaRungs.decide(settings(3, false), 100, Double.NaN, List.of(50.0)).getPromoted());
        assertTrue(AshaRungs.decide(settings(3, false), 100, 50, List.of(Double.NaN)).getPromoted());
    }

    @Test
    void rungsAreEvaluatedWhateverThePeriodicPolicySays() {
        ExperimentPlan plan = plan();
        assertEquals(List.of(100L, 300L), plan.asha().orElseThrow().rungs());
        scheduler.submit(EXPERIMENT, plan, ROOT);
        TrialState t = scheduler.trial(TrialScheduler.trialId(EXPERIMENT, 0)).orElseThrow();
        assertEquals(900, t.getTotalSteps(), "trials train to maxSteps");
        assertTrue(EvaluationPolicies.due(t.getSettings().getEvalPolicy(), 100, 900));
        assertTrue(EvaluationPolicies.due(t.getSettings().getEvalPolicy(), 300, 900));
        assertFalse(EvaluationPolicies.due(t.getSettings().getEvalPolicy(), 200, 900));
    }

    @Test
    void aTrialWaitsAtItsRungThenContinuesOrStopsAsItsResultArrives() {
        scheduler.submit(EXPERIMENT, plan(), ROOT);
        double[] fids = {5, 3, 4};
        for (int i = 0; i < 3; i++) {
            Actions atRung = scheduler.checkpointCommitted(committed(i, 100));
            assertTrue(atRung.tasks.isEmpty(), "no segment past the rung before its evaluation");
            assertEquals(Phase.RUNNING, trial(i).getPhase());
        }
        Actions first = scheduler.evaluated(result(0, 100, fids[0]));
        assertEquals(1, first.tasks.size(), "the first result at a rung continues at once");
        assertEquals(100, first.tasks.get(0).getFromStep());
        assertEquals(1, scheduler.evaluated(result(1, 100, fids[1])).tasks.size(), "better than the one seen");
        Actions third = scheduler.evaluated(result(2, 100, fids[2]));
        assertTrue(third.tasks.isEmpty());
        assertEquals(Phase.STOPPED, trial(2).getPhase());
        assertTrue(trial(2).getFailureReason().contains("ranked 2 of 3"), trial(2).getFailureReason());
        assertEquals(List.of(RungResult.newBuilder().setStep(100).setValue(4).setRank(2).setSeen(3).build()),
                trial(2).getRungsList());

        // a duplicate result and a late checkpoint event change nothing
        assertTrue(scheduler.evaluated(result(2, 100, fids[2])).states.isEmpty());
        assertTrue(scheduler.checkpointCommitted(committed(2, 200)).tasks.isEmpty());
        assertEquals(Phase.STOPPED, trial(2).getPhase());
    }

    @Test
    void aResultThatArrivesBeforeItsCheckpointEventIsDecidedAndTheEventThenFollowsTheDecision() {
        scheduler.submit(EXPERIMENT, plan(), ROOT);
        scheduler.checkpointCommitted(committed(0, 100));
        scheduler.evaluated(result(0, 100, 1.0));
        Actions early = scheduler.evaluated(result(1, 100, 2.0));  // trial 1's checkpoint event not seen yet
        assertTrue(early.tasks.isEmpty());
        assertEquals(Phase.STOPPED, trial(1).getPhase(), "2.0 ranks 2 of 2: stopped at once");
        scheduler.evaluated(result(2, 100, 0.5));
        Actions later = scheduler.checkpointCommitted(committed(2, 100));
        assertEquals(1, later.tasks.size(), "promoted before its event arrived: the event schedules the next segment");
    }

    @Test
    void aRestartedCoordinatorMakesTheSameDecisions() {
        scheduler.submit(EXPERIMENT, plan(), ROOT);
        for (int i = 0; i < 2; i++) {
            scheduler.checkpointCommitted(committed(i, 100));
            scheduler.evaluated(result(i, 100, 10 - i));
        }
        scheduler.checkpointCommitted(committed(2, 100));
        // the coordinator dies before trial 2's result is decided; a new one rebuilds from trial-state
        TrialScheduler restarted = new TrialScheduler(() -> now);
        scheduler.trials().forEach(restarted::restore);
        Actions before = scheduler.evaluated(result(2, 100, 9.5));
        Actions after = restarted.evaluated(result(2, 100, 9.5));
        assertEquals(before.states, after.states);
        assertEquals(before.tasks, after.tasks);
    }

    @Test
    void aFailedRungEvaluationLetsTheTrialContinue() {
        scheduler.submit(EXPERIMENT, plan(), ROOT);
        scheduler.checkpointCommitted(committed(0, 100));
        Actions out = scheduler.failed(TaskFailure.newBuilder().setTaskId("t/eval").setTrial(trial(0).getTrial())
                .setReason("boom").setTaskKind(TaskFailure.TaskKind.SCHEDULED_EVALUATION).setFromStep(100).build());
        assertEquals(1, out.tasks.size());
        assertTrue(trial(0).getRungs(0).getUnevaluated());
        assertTrue(trial(0).getRungs(0).getPromoted());
    }

    private TrialState trial(int index) {
        return scheduler.trial(TrialScheduler.trialId(EXPERIMENT, index)).orElseThrow();
    }

    private CheckpointRef checkpoint(int index, long step) {
        return CheckpointRef.newBuilder().setStep(step).setUri(ClusterLayout.checkpointUri(
                trial(index).getSettings().getCheckpointRoot(), trial(index).getTrial().getTrialId(), step)).build();
    }

    private CheckpointEvent committed(int index, long step) {
        return CheckpointEvent.newBuilder().setTrial(trial(index).getTrial()).setCheckpoint(checkpoint(index, step))
                .setWorkerId("w1").setTotalSteps(900).build();
    }

    private EvaluationResult result(int index, long step, double fid) {
        return EvaluationResult.newBuilder().setTrial(trial(index).getTrial()).setStep(step)
                .setCheckpoint(checkpoint(index, step)).setFid(fid).setIntraFid(fid * 2)
                .setMetricDefinition(MetricNames.definition("fmnist-cnn-v1", "test", 0, 0)).build();
    }
}
