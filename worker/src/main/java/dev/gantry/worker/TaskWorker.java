package dev.gantry.worker;

import dev.gantry.concurrent.Futures;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.NumericsException;
import dev.gantry.storage.Stores;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TaskQueue;
import dev.gantry.transport.Topics;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every worker does around its work: takes one task at a time from its share group, runs it
 * on the compute thread while the task's lock is renewed, publishes the result before answering
 * the queue, and reports failures as {@link FailurePolicy} decides. A {@link Role} supplies only
 * how to decode a record and what the work is.
 *
 * @param <T> the task
 * @param <R> the work's result
 */
final class TaskWorker<T, R> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskWorker.class);

    /** What a worker shares with its role: its settings, publisher and object stores. */
    record Context(WorkerSettings settings, Publisher publisher, Stores stores) {}

    /** The part of a worker that differs between training and evaluation. */
    interface Role<T, R> extends AutoCloseable {
        /** The task a record asks for, or empty when nothing is to be done; throws when malformed. */
        Optional<T> decode(ConsumerRecord<String, byte[]> record);

        String taskId(T task);

        /**
         * Whatever the role does before its first task, on the compute thread; {@code stopping}
         * turns true when the worker is told to stop meanwhile.
         */
        default void prepare(BooleanSupplier stopping) { }

        /** The work, on the compute thread. */
        R run(T task) throws Exception;

        /** Publishes what the work produced; the task is answered done after it. */
        void succeeded(T task, R result, ConsumerRecord<String, byte[]> record);

        /** The failure message's ids: task id, trial, task kind, step. */
        TaskFailure.Builder failure(T task, ConsumerRecord<String, byte[]> record);

        @Override
        default void close() { }
    }

    private final WorkerSettings settings;
    private final TaskQueue queue;
    private final Publisher publisher;
    private final Stores stores;
    private final Role<T, R> role;
    private final ExecutorService computeThread;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile NumericsException refusal;
    private final String roleName;

    TaskWorker(WorkerSettings settings, String group, List<String> topics, String computeName,
            Function<Context, Role<T, R>> roleFactory) {
        this.settings = settings;
        this.roleName = computeName;
        queue = new TaskQueue(settings.kafka(), group, topics, settings.workerId());
        publisher = new Publisher(settings.kafka(), settings.workerId());
        stores = new Stores(settings.s3());
        computeThread = Executors.newSingleThreadExecutor(EngineSetup.computeThreads(computeName));
        try {
            role = roleFactory.apply(new Context(settings, publisher, stores));
        } catch (RuntimeException e) {
            computeThread.shutdownNow();
            queue.close();
            publisher.close();
            stores.close();
            throw e;
        }
    }

    /**
     * Prepares the role, then works until {@link #stop} is called, or until this machine was found
     * to compute wrongly. No task is taken before the role is prepared; a failed preparation stops
     * the worker with its error.
     */
    void run() throws InterruptedException {
        Futures.get(computeThread.submit(() -> role.prepare(stopping::get)));
        queue.serve(stopping, this::handle);
    }

    void stop() {
        stopping.set(true);
    }

    Optional<NumericsException> refusal() {
        return Optional.ofNullable(refusal);
    }

    private void handle(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        Optional<T> task;
        try {
            task = role.decode(record);
        } catch (RuntimeException e) {
            log.error("parking a malformed record: {}", e.getMessage());
            queue.park(record);
            return;
        }
        if (task.isEmpty()) {
            queue.done(record);
            return;
        }
        T t = task.get();
        WorkerMetrics.task(roleName, "acquired");
        int delivery = record.deliveryCount().map(Short::intValue).orElse(1);
        Optional<FailurePolicy.Decision> tooOften = FailurePolicy.beforeWork(delivery, settings.maxDeliveries());
        if (tooOften.isPresent()) {
            park(record, t, delivery, tooOften.get());
            return;
        }
        try {
            R result = LeasedRun.run(computeThread, () -> role.run(t), queue, record, LeasedRun.renewInterval(queue),
                    stopping::get, () -> WorkerMetrics.task(roleName, "renewed"));
            role.succeeded(t, result, record);
            queue.done(record);
            WorkerMetrics.task(roleName, "accepted");
        } catch (InterruptedException e) {
            throw e;
        } catch (LeasedRun.LostLockException e) {
            log.warn("{}; its work was stopped and nothing is answered", e.getMessage());
            WorkerMetrics.task(roleName, "lost");
        } catch (LeasedRun.AbandonedException e) {
            log.info("{}", e.getMessage());
            queue.retryLater(record);  // another worker takes it now, not when the lock runs out
            WorkerMetrics.task(roleName, "released");
        } catch (Exception e) {
            answerFailure(record, t, delivery, e);
        }
    }

    private void answerFailure(ConsumerRecord<String, byte[]> record, T task, int delivery, Exception e) {
        FailurePolicy.Decision decision = FailurePolicy.classify(e, delivery, settings.maxDeliveries());
        String id = role.taskId(task);
        switch (decision.action()) {
            case DONE -> {
                log.info("{}", decision.reason());
                queue.done(record);
            }
            case RETRY -> {
                log.warn("task {} failed on delivery {} (will be retried): {}", id, delivery, decision.reason());
                queue.retryLater(record);
                WorkerMetrics.task(roleName, "released");
            }
            case HAND_BACK -> {
                log.error("refusing to work on this machine, releasing {} and stopping: {}", id, decision.reason());
                refusal = (NumericsException) e;
                queue.retryLater(record);
                WorkerMetrics.task(roleName, "released");
                stop();
            }
            case PARK -> park(record, task, delivery, decision);
        }
    }

    private void park(ConsumerRecord<String, byte[]> record, T task, int delivery, FailurePolicy.Decision decision) {
        log.error("parking task {} ({}): {}", role.taskId(task), decision.kind(), decision.reason());
        TaskFailure failure = role.failure(task, record).setReason(decision.reason()).setWorkerId(settings.workerId())
                .setDeliveryCount(delivery).setKind(decision.kind()).setAtMs(System.currentTimeMillis()).build();
        publisher.sendAndWait(Topics.TASK_FAILURES, failure.getTrial().getTrialId(), failure);
        queue.park(record);
        WorkerMetrics.task(roleName, "rejected");
    }

    @Override
    public void close() {
        computeThread.shutdownNow();
        try {
            // The work may still be inside a native call: free nothing it uses until it has returned.
            if (!computeThread.awaitTermination(20, TimeUnit.SECONDS)) {
                log.warn("the compute thread is still busy after 20 s; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        role.close();
        queue.close();
        publisher.close();
        stores.close();
    }
}
