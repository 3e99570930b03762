package dev.gantry.training;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointFork;
import dev.gantry.data.LabeledImages;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.ExperimentSpec;
import java.util.Map;

/**
 * Replays a lineage in one process: the root trial from scratch up to the first fork step, then
 * each fork from its parent's state at its fork step with its own spec, up to the last link's
 * target step. The hand-over between links is the cluster's own: the parent's state encoded as a
 * checkpoint, its state.json rewritten by {@link CheckpointFork#childState} (the coordinator's
 * fork copy), and decoded again, so the optimizer state carries over and the child's
 * hyper-parameters apply from its first step, exactly as on the workers. Since every step draws
 * its randomness from (seed, step), the result is bitwise the cluster's final checkpoint (same
 * hardware, library versions and thread count).
 */
public final class LineageReplay {
    /** Called after every step. */
    public interface Listener {
        void onStep(int link, StepStats stats);
    }

    private LineageReplay() {}

    /**
     * @param toStep where the last link stops (its spec's training.steps for the whole trial); the
     *     last link's fork step at least
     * @return the state at {@code toStep}; the caller closes it
     */
    public static TrainingState replay(Lineage lineage, long toStep, LabeledImages data, NDManager manager,
            Listener listener) {
        if (toStep < lineage.forkStep()) {
            throw new IllegalArgumentException("cannot replay " + lineage.trialId() + " to step " + toStep
                    + ": it starts at step " + lineage.forkStep());
        }
        ExperimentSpec root = lineage.spec(0);
        TrainingState state = new TrainingState(root, lineage.links().get(0).specYaml(),
                root.model().resolve(data.channels(), data.numClasses()), data.classNames(), manager);
        try {
            for (int i = 0; i < lineage.links().size(); i++) {
                boolean last = i == lineage.links().size() - 1;
                long end = last ? toStep : lineage.links().get(i + 1).fromStep();
                Trainer trainer = new Trainer(state, data);
                while (state.step() < end) {
                    StepStats stats = trainer.step();
                    listener.onStep(i, stats);
                }
                if (!last) {
                    TrainingState child = handOver(state, lineage.prefix(i + 2), manager);
                    state.close();
                    state = child;
                }
            }
            return state;
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
    }

    /** What a fork does to its parent's checkpoint, in memory: encode, rewrite state.json, decode. */
    static TrainingState handOver(TrainingState parent, Lineage child, NDManager manager) {
        Map<String, byte[]> files = CheckpointCodec.encode(parent);
        String where = "replay of " + child.trialId() + " at step " + parent.step();
        files.put(CheckpointCodec.STATE, CheckpointFork.childState(files.get(CheckpointCodec.STATE), child, where));
        return CheckpointCodec.decode(files, manager, where);
    }
}
