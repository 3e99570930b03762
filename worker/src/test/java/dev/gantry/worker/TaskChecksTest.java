package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.failure.BadTaskException;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.storage.StoreRoots;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Evaluation task fields that used to pass the worker's checks. */
class TaskChecksTest {
    private static final StoreRoots ROOTS = StoreRoots.of(List.of("s3://gantry/"));
    private static final EvaluationTask VALID = EvaluationTask.newBuilder().setTaskId("eval-1")
            .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://gantry/checkpoints/t/step-00000002/").setStep(2))
            .setExtractorId("fmnist-cnn-v1").setSplit("test").setGenerator("raw").build();

    private static void refused(EvaluationTask task, String field) {
        BadTaskException e = assertThrows(BadTaskException.class, () -> TaskChecks.evaluation(task, ROOTS));
        assertTrue(e.getMessage().startsWith("evaluation eval-1: " + field), e.getMessage());
    }

    @Test
    void aValidEvaluationTaskPasses() {
        TaskChecks.evaluation(VALID, ROOTS);
    }

    /** It was evaluated on the test split, published under the forged split's name. */
    @Test
    void aSplitOtherThanTrainOrTestIsABadTask() {
        refused(VALID.toBuilder().setSplit("validation").build(), "split 'validation'");
        refused(VALID.toBuilder().setSplit("").build(), "split ''");
    }

    /** It was an IllegalArgumentException, retried on every delivery as if another worker might know the id. */
    @Test
    void anUnknownExtractorIsABadTask() {
        refused(VALID.toBuilder().setExtractorId("inception").build(), "extractor_id 'inception'");
    }

    /** A negative step turned off the check that the checkpoint holds the step the task names. */
    @Test
    void aNegativeCheckpointStepIsABadTask() {
        refused(VALID.toBuilder().setCheckpoint(VALID.getCheckpoint().toBuilder().setStep(-1)).build(), "checkpoint.step -1");
    }
}
