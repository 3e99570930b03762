package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.data.LabeledImages;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.testing.TinyImages;
import dev.gantry.testing.TinySpecs;
import org.junit.jupiter.api.Test;

class TrainerTest {
    @Test
    void stepsChangeParametersAndCountSteps() {
        ExperimentSpec spec = TinySpecs.spec();
        LabeledImages data = TinyImages.randomImages(40, 10, 1);
        ModelConfig config = spec.model().resolve(1, 10);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(spec, TinySpecs.yaml(""), config, data.classNames(), manager)) {
            float before = state.model().generatorState().all().get("G.output_conv.weight").array().getFloat(0, 0, 0, 0);
            Trainer trainer = new Trainer(state, data);
            StepStats first = trainer.step();
            StepStats second = trainer.step();
            float after = state.model().generatorState().all().get("G.output_conv.weight").array().getFloat(0, 0, 0, 0);
            assertEquals(2, state.step());
            assertEquals(2, second.step());
            assertTrue(first.finite() && second.finite());
            assertNotEquals(before, after);
            assertEquals(2, state.generatorOptimizer().stepCount());
            assertEquals(2, state.discriminatorOptimizer().stepCount());
        }
    }

    /** Every temporary of a step must be closed by its NDScope: the arrays the managers hold stay constant. */
    @Test
    void stepsLeaveNoArraysBehind() {
        ExperimentSpec spec = TinySpecs.spec();
        LabeledImages data = TinyImages.randomImages(40, 10, 2);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(spec, TinySpecs.yaml(""), spec.model().resolve(1, 10),
                        data.classNames(), manager)) {
            Trainer trainer = new Trainer(state, data);
            trainer.step();
            int afterOne = manager.getManagedArrays().size();
            for (int i = 0; i < 10; i++) {
                trainer.step();
            }
            assertEquals(afterOne, manager.getManagedArrays().size(), "arrays alive after 1 vs 11 steps");
            assertTrue(afterOne > 100, "the count covers the model's tensors: " + afterOne);
        }
    }

    /** Reading the losses every K steps changes what is returned when, never the training itself. */
    @Test
    void lossesReadEveryKStepsAreTheStepsOwnAndLeaveTheStateAlone() {
        ExperimentSpec spec = TinySpecs.spec();
        LabeledImages data = TinyImages.randomImages(40, 10, 3);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState everyStep = new TrainingState(spec, TinySpecs.yaml(""), spec.model().resolve(1, 10),
                        data.classNames(), manager);
                TrainingState everyFourth = new TrainingState(spec, TinySpecs.yaml(""), spec.model().resolve(1, 10),
                        data.classNames(), manager)) {
            Trainer reference = new Trainer(everyStep, data);
            java.util.List<StepStats> perStep = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                perStep.add(reference.step());
            }
            Trainer lazy = new Trainer(everyFourth, data, 4);
            long[] expectedStepRead = {1, 1, 1, 1, 5, 5, 5, 5, 9, 9};
            int arraysAfterFirstRead = 0;
            for (int i = 0; i < 10; i++) {
                StepStats s = lazy.step();
                assertEquals(expectedStepRead[i], s.step(), "stats returned after step " + (i + 1));
                assertEquals(perStep.get((int) s.step() - 1), s, "the losses of step " + s.step());
                if (i == 0) {
                    arraysAfterFirstRead = manager.getManagedArrays().size();
                } else if (i == 8) {
                    assertEquals(arraysAfterFirstRead, manager.getManagedArrays().size(), "arrays alive after reads at 1 and 9");
                }
            }
            assertEquals(perStep.get(9), lazy.readLosses());
            assertEquals(StateHash.of(everyStep), StateHash.of(everyFourth));
        }
    }

    /** A loss that turns NaN between reads is reported at the step it happened, when the losses are next read. */
    @Test
    void aNonFiniteLossIsFoundAtItsStepWhenRead() {
        ExperimentSpec spec = TinySpecs.spec();
        LabeledImages data = TinyImages.randomImages(40, 10, 4);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(spec, TinySpecs.yaml(""), spec.model().resolve(1, 10),
                        data.classNames(), manager)) {
            Trainer trainer = new Trainer(state, data, 3);
            assertTrue(trainer.step().finite());  // the first step is always read
            ai.djl.ndarray.NDArray w = state.model().discriminatorState().all().get("D.output.weight").array();
            w.set(new ai.djl.ndarray.index.NDIndex("0"), Float.NaN);
            trainer.step();  // step 2: NaN, not read yet
            trainer.step();  // step 3
            NonFiniteLossException e = org.junit.jupiter.api.Assertions.assertThrows(NonFiniteLossException.class,
                    trainer::step);
            assertTrue(e.getMessage().contains("at step 2:"), e.getMessage());
        }
    }
    /**
     * On the CPU an array made from Java data borrows a Java buffer that only its NDArray keeps
     * alive: closed while autograd still reads it, the garbage collector frees it under training.
     * With the collector running throughout, such a mistake changes the bits.
     */
    @Test
    void trainingGivesTheSameBitsWhileTheGarbageCollectorRunsThroughout() throws Exception {
        String yaml = TinySpecs.yaml("").replace("batchSize: 8", "batchSize: 64");  // buffers large enough to be reused
        ExperimentSpec spec = dev.gantry.spec.SpecLoader.parse(yaml, "tiny-64.yaml");
        LabeledImages data = TinyImages.randomImages(128, 10, 5);
        String quiet = hashAfterSteps(spec, yaml, data, 8);
        java.util.concurrent.atomic.AtomicBoolean training = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread collector = new Thread(() -> {
            while (training.get()) {
                System.gc();
            }
        }, "gc-hammer");
        collector.start();
        String collected;
        try {
            collected = hashAfterSteps(spec, yaml, data, 8);
        } finally {
            training.set(false);
            collector.join();
        }
        assertEquals(quiet, collected);
    }

    private static String hashAfterSteps(ExperimentSpec spec, String yaml, LabeledImages data, int steps) {
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(spec, yaml, spec.model().resolve(1, 10),
                        data.classNames(), manager)) {
            Trainer trainer = new Trainer(state, data);
            for (int i = 0; i < steps; i++) {
                trainer.step();
            }
            return StateHash.of(state);
        }
    }
}
