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

    /**
     * @param renewed told after each successful lock renewal (for metrics)
     *
     * <p>A RENEW that reaches the broker after the lock ran out is answered without an error (Kafka
     * 4.3, seen in {@code LostLockTest}: the record was already redelivered and accepted by another
     * worker), so a successful answer alone does not prove the task is still ours. The worker keeps
     * its own lease clock instead: the lock is ours until the lock duration after the last renewal
     * that was answered before the lock would have run out (less a margin for the time between the
     * broker's acquisition and this call); a renewal that is due later than that, or answered later,
     * means the lock is lost.
     */
    static <T> T run(ExecutorService computeThread, Callable<T> work, TaskQueue queue,
            ConsumerRecord<String, byte[]> record, Duration renewEvery, BooleanSupplier stopping, Runnable renewed)
            throws Exception {
        long lockNanos = lockDuration(queue).toNanos();
        long marginNanos = Math.max(Duration.ofMillis(250).toNanos(), lockNanos / 10);
        Future<T> future = computeThread.submit(work);
        long pollMs = Math.min(renewEvery.toMillis(), 500);
        long lastRenew = System.nanoTime();
        long oursUntil = lastRenew + lockNanos - marginNanos;
        while (true) {
            try {
                T result = future.get(pollMs, TimeUnit.MILLISECONDS);
                if (System.nanoTime() - oursUntil >= 0) {
                    // Finished after the lock ran out (the worker was frozen): another worker may hold the task
                    // now, so nothing is answered or announced; what was committed is content-addressed, and the
                    // holder's run finds it.
                    throw lost(future, record, "the work finished after the lock would have run out", null);
                }
                return result;
            } catch (TimeoutException stillRunning) {
                if (stopping.getAsBoolean()) {
                    future.cancel(true);
                    throw new AbandonedException("stopping: handing back " + Messages.where(record));
                }
                long now = System.nanoTime();
                if (now - lastRenew >= renewEvery.toNanos()) {
                    if (now - oursUntil >= 0) {
                        throw lost(future, record, "not renewed within the lock's " + Duration.ofNanos(lockNanos).toMillis()
                                + " ms (the worker stalled for " + Duration.ofNanos(now - lastRenew).toMillis() + " ms)", null);
                    }
                    try {
                        queue.holdOn(record);
                    } catch (RuntimeException e) {
                        throw lost(future, record, e.getMessage(), e);
                    }
                    if (System.nanoTime() - oursUntil >= 0) {
                        throw lost(future, record, "the renewal was answered after the lock would have run out", null);
                    }
                    lastRenew = now;
                    oursUntil = now + lockNanos - marginNanos;
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

    /** Not ours any more: stop the work so an orphan never commits beside the redelivered copy. */
    private static LostLockException lost(Future<?> work, ConsumerRecord<String, byte[]> record, String why, Throwable cause) {
        work.cancel(true);
        return new LostLockException("lost the lock on " + Messages.where(record) + ": " + why, cause);
    }

    private static Duration lockDuration(TaskQueue queue) {
        return Duration.ofMillis(queue.lockTimeoutMs().orElse(30_000));
    }

    /** Renew at a third of the lock so that one slow renewal never loses the task. */
    static Duration renewInterval(TaskQueue queue) {
        return Duration.ofMillis(Math.max(500, lockDuration(queue).toMillis() / 3));
    }
}
