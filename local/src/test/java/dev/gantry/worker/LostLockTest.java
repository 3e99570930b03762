package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.local.EmbeddedKafka;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TaskQueue;
import dev.gantry.transport.TopicSetup;
import dev.gantry.transport.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that loses its task's lock stops the work instead of finishing beside the worker the
 * broker gave the task to next: on a real broker, a worker that renews too late (as a stalled JVM
 * would) gets a lost-lock failure, its work is interrupted before it could commit, and the task is
 * redelivered to another worker. (In the package of {@link LeasedRun}, in this module for its broker.)
 */
class LostLockTest {
    private static final int LOCK_MS = 2000;

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, Map.of());
        TopicSetup.ensure(kafka.settings(), new TopicSetup.Layout(1, (short) 1, LOCK_MS));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void aWorkerThatLostItsLockStopsTheWorkBeforeItCommitsAndAnotherWorkerGetsTheTask() throws Exception {
        ExecutorService workerThread = Executors.newSingleThreadExecutor();
        ExecutorService computeThread = Executors.newSingleThreadExecutor();
        try (Publisher publisher = new Publisher(kafka.settings(), "test");
                TaskQueue stalled = new TaskQueue(kafka.settings(), Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), "stalled");
                TaskQueue other = new TaskQueue(kafka.settings(), Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), "other")) {
            publisher.sendBytes(Topics.TRAINING_TASKS, "t", "segment".getBytes(StandardCharsets.UTF_8)).get();
            ConsumerRecord<String, byte[]> held = next(stalled);

            CountDownLatch interrupted = new CountDownLatch(1);
            AtomicBoolean committed = new AtomicBoolean();
            CountDownLatch steps = new CountDownLatch(1);  // never counted down: a segment longer than the test
            // The segment: runs until the worker gives it up; it would commit only if it ran to its end.
            Future<String> segment = workerThread.submit(() -> LeasedRun.run(computeThread, () -> {
                try {
                    steps.await();
                    committed.set(true);
                    return "committed";
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
            }, stalled, held, Duration.ofMillis(3 * LOCK_MS), () -> false));

            // The first renewal comes after the lock ran out: the broker hands the task to the other worker.
            ConsumerRecord<String, byte[]> again = next(other);
            assertEquals(held.offset(), again.offset());
            assertEquals(Optional.of((short) 2), again.deliveryCount());
            other.done(again);

            ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> segment.get(60, TimeUnit.SECONDS));
            assertInstanceOf(LeasedRun.LostLockException.class, failure.getCause(), String.valueOf(failure.getCause()));
            assertTrue(interrupted.await(30, TimeUnit.SECONDS), "the segment was stopped");
            assertFalse(committed.get(), "nothing committed by the worker that lost the lock");
        } finally {
            workerThread.shutdownNow();
            computeThread.shutdownNow();
        }
    }

    @Test
    void workThatFinishesAfterTheLockRanOutIsNotAnsweredAsTheWorkersOwn() throws Exception {
        ExecutorService workerThread = Executors.newSingleThreadExecutor();
        ExecutorService computeThread = Executors.newSingleThreadExecutor();
        try (Publisher publisher = new Publisher(kafka.settings(), "test");
                TaskQueue stalled = new TaskQueue(kafka.settings(), Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), "late");
                TaskQueue other = new TaskQueue(kafka.settings(), Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), "on-time")) {
            publisher.sendBytes(Topics.TRAINING_TASKS, "t2", "segment".getBytes(StandardCharsets.UTF_8)).get();
            ConsumerRecord<String, byte[]> held = next(stalled);
            CountDownLatch taken = new CountDownLatch(1);
            // renewals due only after the work ends, as for a worker frozen through its lock
            Future<String> segment = workerThread.submit(() -> LeasedRun.run(computeThread, () -> {
                taken.await();
                return "committed";
            }, stalled, held, Duration.ofMillis(5 * LOCK_MS), () -> false));
            ConsumerRecord<String, byte[]> again = next(other);
            assertEquals(held.offset(), again.offset());
            other.done(again);
            taken.countDown();  // the late worker's segment ends now, after the other worker took the task
            ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> segment.get(60, TimeUnit.SECONDS));
            assertInstanceOf(LeasedRun.LostLockException.class, failure.getCause(), String.valueOf(failure.getCause()));
        } finally {
            workerThread.shutdownNow();
            computeThread.shutdownNow();
        }
    }

    private static ConsumerRecord<String, byte[]> next(TaskQueue queue) {
        for (int i = 0; i < 120; i++) {
            Optional<ConsumerRecord<String, byte[]>> r = queue.next(Duration.ofMillis(500));
            if (r.isPresent()) {
                return r.get();
            }
        }
        throw new AssertionError("no record within 60 s");
    }
}
