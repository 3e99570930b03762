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
}
