package dev.gantry.worker;

import dev.gantry.transport.Messages;
import dev.gantry.transport.TaskQueue;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Runs a task's work on the worker's compute thread while the calling thread (which owns the
 * share consumer) keeps the record's acquisition lock alive with RENEW acknowledgements. Work of
 * any length therefore stays with one worker, and a worker that dies stops renewing, so its task
 * returns to the queue once the lock runs out.
 */
final class LeasedRun {
    private LeasedRun() {}

    /** The task's lock was lost (a renewal failed): the broker may have given it to another worker. */
    static final class LostLockException extends Exception {
        LostLockException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The worker is shutting down (SIGTERM) and gave up the task it was running. */
    static final class AbandonedException extends Exception {
        AbandonedException(String message) {
            super(message);
        }
    }

    /** @param stopping polled while the work runs: when true the work is cancelled and the task handed back */
    static <T> T run(ExecutorService computeThread, Callable<T> work, TaskQueue queue,
            ConsumerRecord<String, byte[]> record, Duration renewEvery, BooleanSupplier stopping) throws Exception {
        return run(computeThread, work, queue, record, renewEvery, stopping, () -> { });
    }

    /** @param renewed told after each successful lock renewal (for metrics) */
    static <T> T run(ExecutorService computeThread, Callable<T> work, TaskQueue queue,
            ConsumerRecord<String, byte[]> record, Duration renewEvery, BooleanSupplier stopping, Runnable renewed)
            throws Exception {
        Future<T> future = computeThread.submit(work);
        long pollMs = Math.min(renewEvery.toMillis(), 500);
        long lastRenew = System.nanoTime();
        while (true) {
            try {
                return future.get(pollMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                if (stopping.getAsBoolean()) {
                    future.cancel(true);
                    throw new AbandonedException("stopping: handing back " + Messages.where(record));
                }
                if (System.nanoTime() - lastRenew >= renewEvery.toNanos()) {
                    try {
                        queue.holdOn(record);
                    } catch (RuntimeException e) {
                        // Not ours any more: stop the work so an orphan never commits beside the redelivered copy.
                        future.cancel(true);
                        throw new LostLockException("lost the lock on " + Messages.where(record) + ": " + e.getMessage(), e);
                    }
                    lastRenew = System.nanoTime();
                    renewed.run();
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception ex) {
                    throw ex;
                }
                throw e;
            } catch (InterruptedException e) {
                future.cancel(true);
                throw e;
            }
        }
    }

    /** Renew at a third of the lock so that one slow renewal never loses the task. */
    static Duration renewInterval(TaskQueue queue) {
        return Duration.ofMillis(Math.max(500, queue.lockTimeoutMs().orElse(30_000) / 3));
    }
}
