package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.failure.BadTaskException;
import dev.gantry.proto.v1.TaskFailure.Kind;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.NumericsException;
import dev.gantry.spec.SpecException;
import dev.gantry.storage.StorageException;
import dev.gantry.training.NonFiniteLossException;
import dev.gantry.training.StepStats;
import dev.gantry.worker.FailurePolicy.Action;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailurePolicyTest {
    private static FailurePolicy.Decision first(Exception e) {
        return FailurePolicy.classify(e, 1, 4);
    }

    @Test
    void permanentFailuresAreParkedAtOnceWithTheirKind() {
        FailurePolicy.Decision spec = first(new SpecException(List.of("a.yaml:3: training.lrG: must be > 0", "b")));
        assertEquals(new FailurePolicy.Decision(Action.PARK, Kind.BAD_TASK, "a.yaml:3: training.lrG: must be > 0; b"),
                spec);
        assertEquals(Kind.DIVERGED, first(new NonFiniteLossException(new StepStats(7, Double.NaN, 1, 0, 0))).kind());
        assertEquals(Kind.CORRUPT_CHECKPOINT,
                first(new SegmentRunner.UnusableStartException("s3://b/x: sha mismatch", null)).kind());
        assertEquals(Kind.BAD_TASK, first(new CheckpointException("of another trajectory")).kind());
        assertEquals(Action.PARK, first(new BadTaskException("no start")).action());
    }

    @Test
    void anythingElseIsRetriedUntilTheDeliveryLimit() {
        assertEquals(Action.RETRY, first(new StorageException("connection reset")).action());
        assertEquals(Action.RETRY, first(new IllegalArgumentException("no such extractor here")).action(),
                "an IllegalArgumentException says nothing about the task: another worker may succeed");
        FailurePolicy.Decision last = FailurePolicy.classify(new StorageException("connection reset"), 4, 4);
        assertEquals(new FailurePolicy.Decision(Action.PARK, Kind.RETRIES_EXHAUSTED,
                "failed on 4 deliveries, last: connection reset"), last);
    }

    @Test
    void aTaskDeliveredMoreOftenThanTriedIsParkedBeforeAnyWork() {
        assertEquals(java.util.Optional.empty(), FailurePolicy.beforeWork(4, 4));
        FailurePolicy.Decision parked = FailurePolicy.beforeWork(5, 4).orElseThrow();
        assertEquals(Action.PARK, parked.action());
        assertEquals(Kind.RETRIES_EXHAUSTED, parked.kind());
        assertTrue(parked.reason().contains("delivered 5 times"), parked.reason());
    }

    @Test
    void cancelledIsDoneAndWrongNumbersHandTheTaskBack() {
        assertEquals(Action.DONE, first(new SegmentRunner.CancelledException("trial cancelled")).action());
        NumericsException numerics = new NumericsException("fmnist-cnn-v1",
                List.of(new Check("features vs float64", 0.1, 1e-5, "")));
        assertEquals(Action.HAND_BACK, FailurePolicy.classify(numerics, 4, 4).action(),
                "never parked for a machine's fault, even on the last delivery");
    }
}
