package dev.gantry.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.checkpoint.CheckpointFork;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.TrialState.Phase;
import dev.gantry.spec.PlanLoader;
import dev.gantry.storage.LocalObjectStore;
import dev.gantry.testing.ForkFixtures;
import dev.gantry.testing.TinySpecs;
import dev.gantry.transport.Lineages;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fork decisions: the scheduler's checks and the coordinator's copy (the same calls
 * {@code Coordinator.fork} makes), on a directory store, without a broker.
 */
class ForkSchedulingTest {
    private static final String EXPERIMENT = "exp-1";
    @TempDir
    Path root;
    private long now = 1_000;
    private TrialScheduler scheduler;
    private String parentId;

    @BeforeEach
    void setUp() {
        scheduler = new TrialScheduler(() -> now);
        String yaml = TinySpecs.yaml("").replace("steps: 4", "steps: 800") + "experiment:\n  segmentSteps: 100\n"
                + "  retention: {keepLatest: 1}\n  evaluation: {everySteps: 0, finalStep: false}\n";
        scheduler.submit(EXPERIMENT, PlanLoader.parse(yaml, "test.yaml"), root.toString());
        parentId = TrialScheduler.trialId(EXPERIMENT, 0);
        commitParentAt(100);
        commitParentAt(200);
    }

    private TrialState parent() {
        return scheduler.trial(parentId).orElseThrow();
    }

    private String parentUri(long step) {
        return ClusterLayout.checkpointUri(parent().getSettings().getCheckpointRoot(), parentId, step);
    }

    /** A committed checkpoint in the store and its event in the scheduler. */
    private void commitParentAt(long step) {
        String uri = parentUri(step);
        String sha = ForkFixtures.commitParent(new LocalObjectStore(Path.of(uri)), "", step);
        scheduler.checkpointCommitted(CheckpointEvent.newBuilder().setTrial(parent().getTrial()).setCheckpoint(
                CheckpointRef.newBuilder().setUri(uri).setStep(step).setManifestSha256(sha)).setWorkerId("w1").build());
    }

    private static ForkTrial fork(String id, String parent, long step) {
        return ForkTrial.newBuilder().setForkId(id).setParentTrialId(parent).setStep(step)
                .putOverrides("training.lrG", "2e-4").setTotalSteps(450).build();
    }

    /** What Coordinator.fork does: decide, copy, publish. */
    private Actions handle(TrialScheduler s, ForkTrial command) {
        TrialScheduler.ForkDecision decision = s.fork(EXPERIMENT, command);
        if (decision.copy() == null) {
            return decision.decided();
        }
        TrialScheduler.ForkPlan plan = decision.copy();
        try {
            CheckpointFork.Copied copied = CheckpointFork.copy(new LocalObjectStore(Path.of(plan.parentUri())), "",
                    plan.child().getStep(), plan.expectedParentManifest(), new LocalObjectStore(Path.of(plan.childUri())),
                    "", plan.lineage());
            return s.forkCopied(plan, copied.manifestSha256(), copied.lineage());
        } catch (dev.gantry.checkpoint.CheckpointException e) {
            return s.forkFailed(plan, "cannot fork: " + e.getMessage());
        }
    }

    @Test
    void aForkCopiesTheCheckpointAndSchedulesTheChildFromTheForkStep() {
        // Retention dropped step 100 when 200 committed (keepLatest 1); the coordinator deletes it only after
        // that transaction, so until then it is still copied, and the copy is the child's own.
        assertEquals(List.of(200L), parent().getKeptList().stream().map(CheckpointRef::getStep).toList());
        Actions out = handle(scheduler, fork("a1", parentId, 100));
        String childId = TrialScheduler.forkTrialId(EXPERIMENT, "a1");
        TrialState child = scheduler.trial(childId).orElseThrow();
        assertEquals(Phase.PENDING, child.getPhase());
        assertEquals(100, child.getStep());
        assertEquals(450, child.getTotalSteps());
        assertEquals(List.of(childId + "@100-200"), out.tasks.stream().map(TrainingTask::getTaskId).toList());
        TrainingTask task = out.tasks.get(0);
        assertEquals(ClusterLayout.checkpointUri(parent().getSettings().getCheckpointRoot(), childId, 100),
                task.getStart().getUri());
        assertEquals(child.getSpecHash(), task.getSpecHash());
        assertTrue(new CheckpointStore(new LocalObjectStore(Path.of(task.getStart().getUri()))).isCommittedAndSound("",
                new CheckpointStore.Expected(100, task.getSpecHash(), task.getStart().getManifestSha256())),
                "the task's start is the child's own committed copy");
        Lineage lineage = Lineages.of(child);
        assertEquals(List.of(parentId, childId), lineage.links().stream().map(Lineage.Link::trialId).toList());
        assertEquals(dev.gantry.checkpoint.Manifest.sha256(new LocalObjectStore(Path.of(parentUri(100)))
                .get(dev.gantry.checkpoint.Manifest.FILE_NAME).orElseThrow()), lineage.last().parentManifestSha256());
        assertEquals(2e-4, lineage.spec().training().lrG());
        assertEquals("2e-4", child.getOverridesMap().get("training.lrG"));
    }

    @Test
    void aDuplicatedForkCommandCreatesOneTrial() {
        Actions first = handle(scheduler, fork("dup", parentId, 100));
        assertEquals(1, first.tasks.size());
        now += 10;
        Actions again = handle(scheduler, fork("dup", parentId, 100));
        assertTrue(again.isEmpty(), "the same fork id again: nothing");
        Actions otherArgs = handle(scheduler, fork("dup", parentId, 200));
        assertTrue(otherArgs.isEmpty(), "the fork id decides, whatever else the copy says");
        assertEquals(2, scheduler.trials().size());
    }

    @Test
    void aCoordinatorKilledAfterTheCopyMakesTheSameForkAfterRestart() {
        TrialScheduler.ForkDecision before = scheduler.fork(EXPERIMENT, fork("k1", parentId, 100));
        TrialScheduler.ForkPlan plan = before.copy();
        CheckpointFork.copy(new LocalObjectStore(Path.of(plan.parentUri())), "", 100, plan.expectedParentManifest(),
                new LocalObjectStore(Path.of(plan.childUri())), "", plan.lineage());
        // killed here: the copy is committed, nothing was published; the restart rebuilds from trial-state
        List<TrialState> published = scheduler.trials();
        TrialScheduler restarted = new TrialScheduler(() -> now);
        published.forEach(restarted::restore);
        Actions after = handle(restarted, fork("k1", parentId, 100));
        assertEquals(1, after.tasks.size());
        TrialState child = restarted.trial(TrialScheduler.forkTrialId(EXPERIMENT, "k1")).orElseThrow();
        assertEquals(100, child.getLatest().getStep());
        // and an uninterrupted coordinator decides the same child
        Actions uninterrupted = handle(scheduler, fork("k1", parentId, 100));
        TrialState same = scheduler.trial(TrialScheduler.forkTrialId(EXPERIMENT, "k1")).orElseThrow();
        assertEquals(child.getLatest(), same.getLatest());
        assertEquals(child.getLineageList(), same.getLineageList());
        assertEquals(after.tasks, uninterrupted.tasks);
    }

    @Test
    void retentionCannotBreakAForkOnceCopiedAndARemovedCheckpointIsRefusedWithTheReason() {
        // keepLatest 1: the checkpoint at 100 was dropped when 200 committed (the coordinator deletes it
        // after that transaction); here it is deleted for real
        assertEquals(List.of(200L), parent().getKeptList().stream().map(CheckpointRef::getStep).toList());
        Actions copied = handle(scheduler, fork("early", parentId, 200));
        assertEquals(1, copied.tasks.size());
        LocalObjectStore at100 = new LocalObjectStore(Path.of(parentUri(100)));
        at100.list("").forEach(at100::delete);
        Actions refused = handle(scheduler, fork("late", parentId, 100));
        assertTrue(refused.tasks.isEmpty());
        TrialState late = scheduler.trial(TrialScheduler.forkTrialId(EXPERIMENT, "late")).orElseThrow();
        assertEquals(Phase.FAILED, late.getPhase());
        assertTrue(late.getFailureReason().contains("no MANIFEST.json"), late.getFailureReason());
        // the parent's 200 goes too: the child's copy stays usable
        LocalObjectStore at200 = new LocalObjectStore(Path.of(parentUri(200)));
        at200.list("").forEach(at200::delete);
        String start = copied.tasks.get(0).getStart().getUri();
        assertNotNull(new CheckpointStore(new LocalObjectStore(Path.of(start))).read(""));
    }

    @Test
    void badOverridesAndUnknownParentsAreRecordedAsFailedChildrenNamingTheProblem() {
        handle(scheduler, fork("shape", parentId, 100).toBuilder().putOverrides("model.zDim", "32").build());
        TrialState shape = scheduler.trial(TrialScheduler.forkTrialId(EXPERIMENT, "shape")).orElseThrow();
        assertEquals(Phase.FAILED, shape.getPhase());
        assertTrue(shape.getFailureReason().contains("model.zDim: changes the model's shape"), shape.getFailureReason());
        handle(scheduler, fork("every", parentId, 100).toBuilder().putOverrides("evaluation.everySteps", "150").build());
        assertTrue(scheduler.trial(TrialScheduler.forkTrialId(EXPERIMENT, "every")).orElseThrow().getFailureReason()
                .contains("evaluation.everySteps: 150 is not a multiple of the experiment's segmentSteps (100)"));
        Actions every = handle(scheduler, fork("every2", parentId, 100).toBuilder()
                .putOverrides("evaluation.everySteps", "200").build());
        assertEquals(200, every.tasks.get(0).getEvalPolicy().getEverySteps(), "the child's own evaluation policy");
        handle(scheduler, fork("ghost", "exp-1-t999", 100));
        assertTrue(scheduler.trial(TrialScheduler.forkTrialId(EXPERIMENT, "ghost")).orElseThrow().getFailureReason()
                .contains("no such trial"));
        assertNull(scheduler.fork(EXPERIMENT, fork("../x", parentId, 100)).copy(), "a fork id that is no trial id");
        assertTrue(scheduler.fork(EXPERIMENT, fork("../x", parentId, 100)).decided().isEmpty());
    }

    @Test
    void aForksCopiedFirstCheckpointIsNotKeptForAnEvaluationThatNeverComes() {
        // The child evaluates every 100 steps, so its fork step is an evaluation step; but its copy is
        // announced by no checkpoint event, so no evaluation of it ever arrives.
        handle(scheduler, fork("ev", parentId, 100).toBuilder().putOverrides("evaluation.everySteps", "100").build());
        TrialState child = scheduler.trial(TrialScheduler.forkTrialId(EXPERIMENT, "ev")).orElseThrow();
        assertEquals(List.of(100L), child.getKeptList().stream().map(CheckpointRef::getStep).toList());
        String uri = ClusterLayout.checkpointUri(child.getSettings().getCheckpointRoot(), child.getTrial().getTrialId(), 200);
        Actions out = scheduler.checkpointCommitted(CheckpointEvent.newBuilder().setTrial(child.getTrial())
                .setCheckpoint(CheckpointRef.newBuilder().setUri(uri).setStep(200)).setWorkerId("w1").build());
        assertEquals(List.of(100L), out.deletions.stream().map(CheckpointRef::getStep).toList(),
                "keepLatest 1: the copy goes once 200 is committed (200 itself waits for its evaluation)");
    }

    @Test
    void aForkNeverFallsBackBelowItsForkStep() {
        handle(scheduler, fork("fb", parentId, 100));
        TrialState child = scheduler.trial(TrialScheduler.forkTrialId(EXPERIMENT, "fb")).orElseThrow();
        Actions out = scheduler.failed(TaskFailure.newBuilder().setTaskId("t").setTrial(child.getTrial())
                .setReason("corrupt").setKind(TaskFailure.Kind.CORRUPT_CHECKPOINT)
                .setTaskKind(TaskFailure.TaskKind.TRAINING_SEGMENT).setFromStep(100).build());
        assertTrue(out.tasks.isEmpty(), "step 0 of a fork would be another trajectory");
        assertEquals(Phase.FAILED, scheduler.trial(child.getTrial().getTrialId()).orElseThrow().getPhase());
    }
}
