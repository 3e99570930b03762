package dev.gantry.coordinator;

import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.storage.Stores;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention's deletions, off the coordinator's loop. Deleting a checkpoint is a manifest delete,
 * a listing and an object delete (three or more S3 requests); done inline after every
 * transaction they took two thirds of the loop's time with 50 simulated workers on a local
 * directory store, and with S3's latency they would bound the whole cluster's dispatch rate. They
 * are handed here only after the transaction that dropped the checkpoints committed, as before;
 * a coordinator killed with deletions still queued leaves those checkpoints behind (storage, not
 * correctness: no state names them any more). A fork copies from the store, so the coordinator
 * waits for queued deletions first ({@link #awaitIdle}): a copy never races a deletion.
 */
final class RetentionDeleter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionDeleter.class);
    /** S3 answers requests in parallel; deletions of different checkpoints are independent. */
    private static final int THREADS = 4;

    private final Stores stores;
    private final String storeRoot;
    private final ExecutorService pool;
    private final Queue<Future<?>> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger backlog = new AtomicInteger();

    RetentionDeleter(Stores stores, String storeRoot) {
        this.stores = stores;
        this.storeRoot = storeRoot;
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "retention-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Deletes {@code checkpoints} soon; call only after the transaction that dropped them committed. */
    void deleteLater(List<CheckpointRef> checkpoints) {
        forgetFinished();
        for (CheckpointRef c : checkpoints) {
            backlog.incrementAndGet();
            pending.add(pool.submit(() -> {
                try {
                    Forks.delete(stores, storeRoot, c);  // logs and swallows store errors itself
                } finally {
                    backlog.decrementAndGet();
                }
            }));
        }
    }

    /** Deletions queued and not yet done. */
    int backlog() {
        return backlog.get();
    }

    /** Returns once every deletion queued so far is done. */
    void awaitIdle() {
        for (Future<?> f; (f = pending.poll()) != null; ) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                log.warn("a retention deletion failed: {}", e.getCause().toString());
            }
        }
    }

    private void forgetFinished() {
        for (Iterator<Future<?>> it = pending.iterator(); it.hasNext(); ) {
            if (it.next().isDone()) {
                it.remove();
            }
        }
    }

    /** Finishes what is queued (up to 30 s), so that a stopped coordinator leaves little behind. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("{} retention deletions still queued at shutdown: those checkpoints stay in the store",
                        backlog.get());
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
