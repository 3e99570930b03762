package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.data.LabeledImages;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.ForkOverrides;
import dev.gantry.testing.TinyImages;
import dev.gantry.testing.TinySpecs;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replay on random images: what the hand-over between links keeps, and what it changes. */
class LineageReplayTest {
    private static final LabeledImages DATA = TinyImages.randomImages(64, 10, 3);

    private static Lineage fork(Map<String, String> sets, long steps) {
        ForkOverrides.Child child = ForkOverrides.apply(TinySpecs.yaml(""), 2, sets, steps, "test");
        return Lineage.root("p", TinySpecs.yaml(""), TinySpecs.spec(), Map.of())
                .fork("c", 2, child.specYaml(), child.spec(), child.overrides(), "");
    }

    private static String replayHash(Lineage lineage, long to) {
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = LineageReplay.replay(lineage, to, DATA, manager, (link, stats) -> { })) {
            assertEquals(to, state.step());
            return StateHash.of(state);
        }
    }

    /** SHA-256 of the model and optimizer tensors alone (the state hash also covers the spec). */
    private static String tensors(Lineage lineage, long to) {
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = LineageReplay.replay(lineage, to, DATA, manager, (link, stats) -> { })) {
            Map<String, byte[]> files = CheckpointCodec.encode(state);
            return dev.gantry.checkpoint.Manifest.sha256(files.get(CheckpointCodec.MODEL))
                    + dev.gantry.checkpoint.Manifest.sha256(files.get(CheckpointCodec.OPTIMIZER));
        }
    }

    private static String straightHash(long to) {
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(TinySpecs.spec(), TinySpecs.yaml(""),
                        TinySpecs.spec().model().resolve(1, 10), DATA.classNames(), manager)) {
            Trainer trainer = new Trainer(state, DATA);
            while (state.step() < to) {
                trainer.step();
            }
            return StateHash.of(state);
        }
    }

    @Test
    void aForkThatChangesOnlyTheLengthIsTheSameTrajectoryBitForBit() {
        assertEquals(straightHash(4), replayHash(fork(Map.of(), 6), 4));
    }

    @Test
    void aChangedLearningRateTakesEffectFromTheForkStepAndTheOptimizerCarriesOver() {
        Lineage lr = fork(Map.of("training.lrG", "5e-4"), 6);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = LineageReplay.replay(lr, 3, DATA, manager, (link, stats) -> { })) {
            assertEquals(5e-4, state.generatorOptimizer().hyper().lr());
            assertEquals(3, state.generatorOptimizer().stepCount(), "Adam's step count continues across the fork");
            assertEquals("c", state.lineage().orElseThrow().trialId());
        }
        assertEquals(tensors(fork(Map.of(), 6), 2), tensors(lr, 2), "up to the fork step the child's tensors are its parent's");
        assertNotEquals(tensors(fork(Map.of(), 6), 3), tensors(lr, 3), "from the fork step on the new lrG applies");
        assertEquals(replayHash(lr, 3), replayHash(lr, 3), "and replay is deterministic");
        assertTrue(lr.isFork());
    }
}
