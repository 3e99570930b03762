package dev.gantry.worker;

import dev.gantry.failure.PermanentException;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.selftest.NumericsException;
import dev.gantry.spec.SpecException;
import dev.gantry.training.NonFiniteLossException;

/**
 * The one reading of what a task's failure means, for training and eval workers alike: whether
 * the task is answered done, released for another delivery, parked with a published failure, or
 * handed back because this machine cannot be trusted with it.
 */
final class FailurePolicy {
    /** How the worker answers the task. */
    enum Action {
        /** Nothing to do any more (its trial was cancelled): ACCEPT, publish nothing. */
        DONE,
        /** Transient trouble: RELEASE, another delivery follows. */
        RETRY,
        /** Can never succeed, or failed on every delivery: publish the failure, then REJECT. */
        PARK,
        /** This machine computes wrongly: RELEASE for another worker, and stop taking tasks. */
        HAND_BACK
    }

    record Decision(Action action, TaskFailure.Kind kind, String reason) {}

    private FailurePolicy() {}

    static Decision classify(Throwable e, int delivery, int maxDeliveries) {
        String reason = reason(e);
        if (e instanceof SegmentRunner.CancelledException) {
            return new Decision(Action.DONE, TaskFailure.Kind.KIND_UNSPECIFIED, reason);
        }
        if (e instanceof NumericsException) {
            return new Decision(Action.HAND_BACK, TaskFailure.Kind.KIND_UNSPECIFIED, reason);
        }
        if (e instanceof SegmentRunner.UnusableStartException) {
            return new Decision(Action.PARK, TaskFailure.Kind.CORRUPT_CHECKPOINT, reason);
        }
        if (e instanceof NonFiniteLossException) {
            return new Decision(Action.PARK, TaskFailure.Kind.DIVERGED, reason);
        }
        if (e instanceof PermanentException) {
            return new Decision(Action.PARK, TaskFailure.Kind.BAD_TASK, reason);
        }
        if (delivery >= maxDeliveries) {
            return new Decision(Action.PARK, TaskFailure.Kind.RETRIES_EXHAUSTED,
                    "failed on " + delivery + " deliveries, last: " + reason);
        }
        return new Decision(Action.RETRY, TaskFailure.Kind.KIND_UNSPECIFIED, reason);
    }

    /**
     * Before any work: a task delivered more often than the worker tries is one that no worker
     * answered, most likely because it killed each worker that ran it (out of memory, a native
     * crash). It is parked with a failure instead of being handed to the next worker.
     */
    static java.util.Optional<Decision> beforeWork(int delivery, int maxDeliveries) {
        if (delivery <= maxDeliveries) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Decision(Action.PARK, TaskFailure.Kind.RETRIES_EXHAUSTED, "delivered "
                + delivery + " times without an answer: it may kill the worker that runs it (out of memory, a crash)"));
    }

    static String reason(Throwable e) {
        if (e instanceof SpecException s) {
            return String.join("; ", s.problems());
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
