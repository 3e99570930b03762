package dev.gantry.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.cluster.ClusterLayout;
import dev.gantry.cluster.MetricNames;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.TrialState.Phase;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.spec.PlanLoader;
import dev.gantry.testing.TinySpecs;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduler alone, on a fake clock: no broker, no store, milliseconds per test. */
class TrialSchedulerTest {
    private static final String EXPERIMENT = "exp-1";
    private static final String ROOT = "s3://bucket/gantry/";
    private long now = 1_000;
    private TrialScheduler scheduler;

    @BeforeEach
    void setUp() {
        scheduler = new TrialScheduler(() -> now);
    }

    /** One trial of 800 steps in 100-step segments, evaluated every 200 steps, keeping the latest 1. */
    private TrainingTask submit(String evaluation) {
        String yaml = TinySpecs.yaml("").replace("steps: 4", "steps: 800") + "experiment:\n  segmentSteps: 100\n"
                + "  retention: {keepLatest: 1}\n  evaluation: " + evaluation + "\n";
        Actions out = scheduler.submit(EXPERIMENT, PlanLoader.parse(yaml, "test.yaml"), ROOT);
        assertEquals(1, out.tasks.size());
        return out.tasks.get(0);
    }

    private String trialId() {
        return TrialScheduler.trialId(EXPERIMENT, 0);
    }

    private TrialState state() {
        return scheduler.trial(trialId()).orElseThrow();
    }

    private CheckpointRef checkpoint(long step) {
        return CheckpointRef.newBuilder().setStep(step)
                .setUri(ClusterLayout.checkpointUri(state().getSettings().getCheckpointRoot(), trialId(), step)).build();
    }

    private CheckpointEvent committed(long step) {
        return CheckpointEvent.newBuilder().setTrial(state().getTrial()).setCheckpoint(checkpoint(step))
                .setWorkerId("w1").setTotalSteps(800).build();
    }

    /** A result under the experiment's own protocol (fmnist-cnn-v1, test split, class counts, seed 0). */
    private EvaluationResult result(long step, double fid) {
        return result(step, fid, MetricNames.definition("fmnist-cnn-v1", "test", 0, 0));
    }

    private EvaluationResult result(long step, double fid, String definition) {
        return EvaluationResult.newBuilder().setTrial(state().getTrial()).setStep(step).setCheckpoint(checkpoint(step))
                .setFid(fid).setIntraFid(fid * 2).setMetricDefinition(definition).build();
    }

    private TaskFailure failure(TaskFailure.TaskKind taskKind, TaskFailure.Kind kind, long fromStep) {
        return TaskFailure.newBuilder().setTaskId("some-task").setTrial(state().getTrial()).setReason("boom")
                .setWorkerId("w1").setKind(kind).setTaskKind(taskKind).setFromStep(fromStep).build();
    }

    /** The event's first application decides; the second (a redelivery) changes nothing. */
    private <E> Actions twice(Function<E, Actions> handler, E event) {
        Actions first = handler.apply(event);
        now += 10;
        Actions again = handler.apply(event);
        assertTrue(again.isEmpty(), "applying the same event again must change nothing: " + again.states);
        return first;
    }

    @Test
    void submitSchedulesTheFirstSegmentOnceWithTheSharedLayout() {
        TrainingTask task = submit("{everySteps: 200}");
        assertEquals(trialId() + "@0-100", task.getTaskId());
        assertEquals(ROOT + "experiments/" + EXPERIMENT + "/" + trialId() + "/", task.getCheckpointUriPrefix());
        assertEquals(ROOT + "stats/", task.getEvalPolicy().getStatsRoot());
        assertEquals("fid[fmnist-cnn-v1]", state().getMetricName());
        assertEquals(Phase.PENDING, state().getPhase());
        assertTrue(scheduler.submit(EXPERIMENT, PlanLoader.parse(TinySpecs.yaml(""), "again.yaml"), ROOT).isEmpty(),
                "a repeated submit is ignored");
    }

    @Test
    void everyEventAppliedTwiceDecidesOnce() {
        submit("{everySteps: 200}");
        twice(scheduler::progress, WorkerProgress.newBuilder().setTrial(state().getTrial()).setWorkerId("w1").build());
        assertEquals(Phase.RUNNING, state().getPhase());
        Actions next = twice(scheduler::checkpointCommitted, committed(100));
        assertEquals(List.of(trialId() + "@100-200"), next.tasks.stream().map(TrainingTask::getTaskId).toList());
        twice(scheduler::checkpointCommitted, committed(200));
        twice(scheduler::evaluated, result(200, 50.0));
        assertEquals(50.0, state().getBestFid());
        twice(scheduler::failed, failure(TaskFailure.TaskKind.TRAINING_SEGMENT, TaskFailure.Kind.DIVERGED, 200));
        assertEquals(Phase.FAILED, state().getPhase());
        assertTrue(scheduler.cancel(EXPERIMENT, "too late").isEmpty(), "a finished trial is not cancelled");
    }

    @Test
    void retentionKeepsTheLatestTheBestAndWhatAnEvaluationStillNeeds() {
        submit("{everySteps: 200}");
        scheduler.checkpointCommitted(committed(100));
        Actions at200 = scheduler.checkpointCommitted(committed(200));
        assertEquals(List.of(100L), at200.deletions.stream().map(CheckpointRef::getStep).toList());
        Actions at300 = scheduler.checkpointCommitted(committed(300));
        assertTrue(at300.deletions.isEmpty(), "200 awaits its evaluation: kept");
        Actions evaluated = scheduler.evaluated(result(200, 40.0));
        assertTrue(evaluated.deletions.isEmpty(), "200 is now the best by FID: kept");
        scheduler.checkpointCommitted(committed(400));
        scheduler.evaluated(result(400, 45.0));
        Actions at500 = scheduler.checkpointCommitted(committed(500));
        assertEquals(List.of(400L), at500.deletions.stream().map(CheckpointRef::getStep).toList(),
                "400 was evaluated and is not the best: deleted; 200 stays the best");
        assertEquals(List.of(200L, 500L), state().getKeptList().stream().map(CheckpointRef::getStep).toList());
    }

    @Test
    void onlyTheExperimentsOwnProtocolChoosesTheBestCheckpoint() {
        submit("{everySteps: 200}");
        scheduler.checkpointCommitted(committed(100));
        scheduler.checkpointCommitted(committed(200));
        // 'gantry eval TRIAL@200 --samples 2': biased low, another protocol
        Actions extra = scheduler.evaluated(result(200, 3.0, MetricNames.definition("fmnist-cnn-v1", "test", 2, 0)));
        assertTrue(extra.isEmpty(), "neither best nor latest, and the policy's own evaluation is still awaited");
        assertTrue(Double.isNaN(state().getBestFid()));
        assertTrue(state().getEvaluatedStepsList().isEmpty());
        scheduler.evaluated(result(200, 40.0));
        assertEquals(40.0, state().getBestFid());
        assertEquals(List.of(200L), state().getEvaluatedStepsList());
    }

    @Test
    void aCheckpointEventNamingAnotherPlaceIsIgnoredAndNeverDeleted() {
        submit("{everySteps: 200}");
        CheckpointEvent forged = committed(100).toBuilder()
                .setCheckpoint(CheckpointRef.newBuilder().setStep(100).setUri("s3://bucket/")).build();
        assertTrue(scheduler.checkpointCommitted(forged).isEmpty());
        assertEquals(0, state().getStep());
        assertTrue(state().getKeptList().isEmpty(), "retention never learns of, so never deletes, the bucket root");
        assertEquals(1, scheduler.checkpointCommitted(committed(100)).tasks.size(), "the real one still counts");
    }

    @Test
    void aCorruptStartFallsBackToThePreviousKeptCheckpoint() {
        submit("{everySteps: 200}");
        scheduler.checkpointCommitted(committed(100));
        scheduler.checkpointCommitted(committed(200));
        scheduler.checkpointCommitted(committed(300));  // kept: 200 (awaiting evaluation) and 300
        Actions out = scheduler.failed(failure(TaskFailure.TaskKind.TRAINING_SEGMENT, TaskFailure.Kind.CORRUPT_CHECKPOINT,
                300));
        assertEquals(1, out.tasks.size());
        assertEquals(200, out.tasks.get(0).getFromStep());
        assertEquals(checkpoint(200).getUri(), out.tasks.get(0).getStart().getUri());
        assertEquals(200, state().getStep());
        assertEquals(Phase.RUNNING, state().getPhase());
        assertEquals(List.of(200L), state().getKeptList().stream().map(CheckpointRef::getStep).toList());
    }

    @Test
    void aFinalEvaluationThatFailedBeforeTheFinalCheckpointArrivedIsNotAwaited() {
        submit("{everySteps: 0, finalStep: true}");
        for (long step = 100; step < 800; step += 100) {
            scheduler.checkpointCommitted(committed(step));
        }
        // the eval worker parked the final evaluation; its failure overtakes the checkpoint event
        scheduler.failed(failure(TaskFailure.TaskKind.SCHEDULED_EVALUATION, TaskFailure.Kind.RETRIES_EXHAUSTED, 800));
        Actions last = scheduler.checkpointCommitted(committed(800));
        assertEquals(Phase.DONE, state().getPhase(), "nothing will evaluate step 800 any more");
        assertTrue(last.tasks.isEmpty());
    }

    @Test
    void failuresFromOlderWorkersAreClassifiedByTheirTaskId() {
        submit("{everySteps: 200}");
        scheduler.checkpointCommitted(committed(100));
        scheduler.checkpointCommitted(committed(200));
        scheduler.failed(failure(TaskFailure.TaskKind.TASK_KIND_UNSPECIFIED, TaskFailure.Kind.BAD_TASK, 200).toBuilder()
                .setTaskId(trialId() + "@200/eval").build());
        assertEquals(Phase.RUNNING, state().getPhase(), "an old eval worker's failure is still an evaluation's");
    }

    @Test
    void fallbacksAreBoundedAndEndInFailedWithTheReason() {
        submit("{everySteps: 0, finalStep: false}");
        for (int i = 0; i < TrialScheduler.MAX_FALLBACKS; i++) {
            scheduler.checkpointCommitted(committed(100));
            Actions back = scheduler.failed(failure(TaskFailure.TaskKind.TRAINING_SEGMENT,
                    TaskFailure.Kind.CORRUPT_CHECKPOINT, 100));
            assertEquals(0, back.tasks.get(0).getFromStep(), "falls back to step 0 and redoes the segment");
        }
        scheduler.checkpointCommitted(committed(100));
        scheduler.failed(failure(TaskFailure.TaskKind.TRAINING_SEGMENT, TaskFailure.Kind.CORRUPT_CHECKPOINT, 100));
        assertEquals(Phase.FAILED, state().getPhase());
        assertTrue(state().getFailureReason().startsWith("gave up after 3 fallbacks"), state().getFailureReason());
    }

    @Test
    void aStaleFailureOfASegmentThePastIsIgnored() {
        submit("{everySteps: 200}");
        scheduler.checkpointCommitted(committed(100));
        scheduler.checkpointCommitted(committed(200));
        Actions out = scheduler.failed(failure(TaskFailure.TaskKind.TRAINING_SEGMENT, TaskFailure.Kind.RETRIES_EXHAUSTED,
                100));
        assertTrue(out.isEmpty(), "the trial has moved past step 100");
        assertEquals(Phase.RUNNING, state().getPhase());
    }

    @Test
    void evaluationFailuresNeverFailTheTrial() {
        submit("{everySteps: 200, finalStep: true}");
        scheduler.checkpointCommitted(committed(100));
        scheduler.checkpointCommitted(committed(200));
        Actions requested = scheduler.failed(failure(TaskFailure.TaskKind.REQUESTED_EVALUATION,
                TaskFailure.Kind.BAD_TASK, 200));
        assertTrue(requested.isEmpty(), "a user's gantry eval failing is not the trial's business");
        twice(scheduler::failed, failure(TaskFailure.TaskKind.SCHEDULED_EVALUATION, TaskFailure.Kind.RETRIES_EXHAUSTED,
                200));
        assertEquals(Phase.RUNNING, state().getPhase());
        assertTrue(state().getFailureReason().startsWith("evaluation at step 200 failed"), state().getFailureReason());
        for (long step = 300; step <= 800; step += 100) {
            scheduler.checkpointCommitted(committed(step));
        }
        assertEquals(Phase.EVALUATING, state().getPhase());
        scheduler.failed(failure(TaskFailure.TaskKind.SCHEDULED_EVALUATION, TaskFailure.Kind.RETRIES_EXHAUSTED, 800));
        assertEquals(Phase.DONE, state().getPhase(), "training finished; only its final evaluation failed");
    }
}
