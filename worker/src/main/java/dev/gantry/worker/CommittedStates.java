package dev.gantry.worker;

import ai.djl.ndarray.NDManager;
import dev.gantry.training.TrainingState;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The trial states this worker committed last, kept in memory so that the task continuing one of
 * them starts without reading and decoding its checkpoint. A trial's next task exists only after
 * this worker announced the checkpoint, and when the other workers are busy (a backlog, or as
 * many trials as workers) it is usually this worker, the first one free, that takes it. Share
 * groups have no affinity, so nothing makes it so: an idle worker may take it instead and read
 * the checkpoint from the store as before.
 *
 * <p>A state is kept under the committed checkpoint's URI and its manifest's SHA-256, and only
 * when that manifest lists the bytes encoded from this very state (see
 * {@link dev.gantry.checkpoint.CheckpointStore.Committed#ourBytes}): a task carries the manifest
 * hash of its start, so a hit means "the checkpoint you name is, bit for bit, what I hold". Any
 * other start (another trial, a checkpoint committed by another writer with other bytes, a
 * quarantined and recomputed one, another step) misses and takes the normal path through the
 * store; correctness never depends on a hit.
 *
 * <p>Memory: a taken state is the caller's (training changes it, so it can never stay here), and
 * a miss frees the oldest kept states before the caller loads another, so at most
 * {@code max(1, capacity)} states are in memory at any time, the one being trained included.
 * Only the compute thread uses this (plus {@link #close} once it has stopped), as DJL wants: one
 * Trainer, one GradientCollector at a time per process.
 */
final class CommittedStates implements AutoCloseable {
    /** A committed checkpoint as a task names it. */
    record Key(String uri, String manifestSha256) {}

    /** A trial state with the manager that owns its arrays; closing frees both. */
    record Held(TrainingState state, NDManager manager) implements AutoCloseable {
        @Override
        public void close() {
            try {
                state.close();
            } finally {
                manager.close();
            }
        }
    }

    private final int capacity;
    /** Oldest first: a take removes its entry, a keep appends. */
    private final Map<Key, Held> kept = new LinkedHashMap<>();

    /** @param capacity how many committed states to keep between segments; 0 keeps none */
    CommittedStates(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("kept states must not be negative (got " + capacity + ")");
        }
        this.capacity = capacity;
    }

    /**
     * The state committed as {@code key}, handed over to the caller; empty when it is not kept, in
     * which case the oldest states are freed to make room for the one the caller loads instead.
     */
    synchronized Optional<Held> take(Key key) {
        Held held = kept.remove(key);
        if (held == null) {
            makeRoom();
        }
        return Optional.ofNullable(held);
    }

    /** Frees the oldest kept states so that one loaded now keeps the total within the capacity. */
    synchronized void makeRoom() {
        evictDownTo(Math.max(0, capacity - 1));
    }

    /** Keeps a state the caller just committed as {@code key} (now this object's), or frees it if none are kept. */
    synchronized void keep(Key key, Held held) {
        Held previous = kept.remove(key);
        if (previous != null && previous != held) {
            previous.close();
        }
        kept.put(key, held);
        evictDownTo(capacity);
    }

    synchronized int size() {
        return kept.size();
    }

    private void evictDownTo(int size) {
        Iterator<Held> oldest = kept.values().iterator();
        while (kept.size() > size) {
            Held h = oldest.next();
            oldest.remove();
            h.close();
        }
    }

    @Override
    public synchronized void close() {
        evictDownTo(0);
    }
}
