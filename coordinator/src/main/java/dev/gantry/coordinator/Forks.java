package dev.gantry.coordinator;

import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.CheckpointFork;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.storage.StorageException;
import dev.gantry.storage.Stores;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's two store operations, shared by {@link Coordinator} and
 * {@link InProcessCoordinator}: the fork copy and retention's deletion.
 */
final class Forks {
    private static final Logger log = LoggerFactory.getLogger(Forks.class);

    private Forks() {}

    /**
     * A fork: the scheduler checks it; the coordinator copies the parent's checkpoint under the
     * child's prefix (server-side, no engine) before the child and its first task are published in
     * this batch's transaction. Retention deletes only after a transaction commits, so a
     * checkpoint that retention dropped earlier in this batch is still there to be copied, and the
     * copy outlives it. A coordinator killed after the copy and before the commit finds the copy
     * committed when it reads the command again, and makes the same fork.
     */
    static Actions handle(TrialScheduler scheduler, Stores stores, String storeRoot, String experimentId,
            ForkTrial command) {
        TrialScheduler.ForkDecision decision = scheduler.fork(experimentId, command);
        if (decision.copy() == null) {
            return decision.decided();
        }
        return copy(scheduler, stores, storeRoot, decision.copy());
    }

    /**
     * The forks the scheduler decided while handling an event (PBT exploits): each copied, and the
     * child published, in the same batch as the decision, so the transaction that records a
     * member's exploit also publishes its replacement. Returns {@code decided} with the children.
     */
    static Actions complete(TrialScheduler scheduler, Stores stores, String storeRoot, Actions decided) {
        List<TrialScheduler.ForkPlan> plans = List.copyOf(decided.forks);
        decided.forks.clear();
        for (TrialScheduler.ForkPlan plan : plans) {
            Actions child = copy(scheduler, stores, storeRoot, plan);
            decided.tasks.addAll(child.tasks);
            decided.states.addAll(child.states);
            decided.deletions.addAll(child.deletions);
        }
        return decided;
    }

    private static Actions copy(TrialScheduler scheduler, Stores stores, String storeRoot, TrialScheduler.ForkPlan plan) {
        String child = plan.child().getTrial().getTrialId();
        if (!ClusterLayout.isCheckpointUnder(storeRoot, plan.parentUri())
                || !ClusterLayout.isCheckpointUnder(storeRoot, plan.childUri())) {
            return scheduler.forkFailed(plan, "the parent's checkpoint " + plan.parentUri()
                    + " is not under this coordinator's store root " + storeRoot);
        }
        try {
            Stores.Location from = stores.locate(plan.parentUri());
            Stores.Location to = stores.locate(plan.childUri());
            CheckpointFork.Copied copied = CheckpointFork.copy(from.store(), from.keyPrefix(), plan.child().getStep(),
                    plan.expectedParentManifest(), to.store(), to.keyPrefix(), plan.lineage());
            log.info("fork {}: copied {} to {}{}", child, plan.parentUri(), plan.childUri(),
                    copied.alreadyCommitted() ? " (already committed)" : "");
            return scheduler.forkCopied(plan, copied.manifestSha256(), copied.lineage());
        } catch (CheckpointException | StorageException e) {
            // Recorded on the child, not retried: the user sees why and forks again with a new id.
            return scheduler.forkFailed(plan, "cannot fork: " + e.getMessage());
        }
    }

    /** Retention: the manifest goes first, so a half-deleted checkpoint is simply not a checkpoint. */
    static void delete(Stores stores, String storeRoot, CheckpointRef checkpoint) {
        if (!ClusterLayout.isCheckpointUnder(storeRoot, checkpoint.getUri())) {
            log.error("retention refuses to delete {}: not a checkpoint under this coordinator's store root {}",
                    checkpoint.getUri(), storeRoot);
            return;
        }
        try {
            Stores.Location at = stores.locate(checkpoint.getUri());
            at.store().delete(at.keyPrefix() + Manifest.FILE_NAME);
            for (String key : at.store().list(at.keyPrefix())) {
                at.store().delete(key);
            }
        } catch (RuntimeException e) {
            log.warn("retention could not delete {}: {}", checkpoint.getUri(), e.getMessage());
        }
    }
}
