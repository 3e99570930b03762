package dev.gantry.worker;

import dev.gantry.transport.TaskQueue;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Runs a task's work on the worker's compute thread while the calling thread (which owns the
 * share consumer) keeps the record's acquisition lock alive with RENEW acknowledgements. Work of
 * any length therefore stays with one worker, and a worker that dies stops renewing, so its task
 * returns to the queue once the lock runs out.
 */
final class LeasedRun {
    private LeasedRun() {}

    static <T> T run(ExecutorService computeThread, Callable<T> work, TaskQueue queue,
            ConsumerRecord<String, byte[]> record, Duration renewEvery) throws Exception {
        Future<T> future = computeThread.submit(work);
        while (true) {
            try {
                return future.get(renewEvery.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                queue.holdOn(record);
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
