package dev.gantry.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies the losses to the host every {@code every} steps instead of after each step: on a GPU each
 * copy waits for the step's kernels, so reading them once per step would stall the queue of work.
 * Until then each step's four scalars (loss D, loss G, mean D(real), mean D(fake)) stay on the device,
 * outside the step's scope. A non-finite loss is therefore found up to every-1 steps late; the
 * segment fails all the same and nothing is committed.
 */
final class LossReadout implements AutoCloseable {
    private final int every;
    private final List<Long> steps = new ArrayList<>();
    private final List<NDArray> pending = new ArrayList<>();
    private StepStats last;

    LossReadout(int every) {
        if (every < 1) {
            throw new IllegalArgumentException("losses must be read at least every step (got every " + every + ")");
        }
        this.every = every;
    }

    /**
     * Keeps step {@code step}'s scalars (a 4-element array, unregistered from its scope and owned
     * here from now) and reads all pending ones when due: on the first step (nothing read yet) and
     * every {@code every} steps after it.
     *
     * @return the latest stats read, whose {@code step()} says which step they are from
     */
    StepStats add(long step, NDArray scalars) {
        steps.add(step);
        pending.add(scalars);
        return last == null || pending.size() >= every ? read() : last;
    }

    /** Reads every pending step (one host copy); throws on the first non-finite loss among them. */
    StepStats read() {
        if (pending.isEmpty()) {
            return last;
        }
        float[] values;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            values = NDArrays.stack(new NDList(pending)).toFloatArray();
        } finally {
            pending.forEach(NDArray::close);
            pending.clear();
        }
        List<Long> read = List.copyOf(steps);
        steps.clear();
        for (int i = 0; i < read.size(); i++) {
            StepStats stats = new StepStats(read.get(i), values[4 * i], values[4 * i + 1], values[4 * i + 2],
                    values[4 * i + 3]);
            if (!stats.finite()) {
                throw new NonFiniteLossException(stats);
            }
            last = stats;
        }
        return last;
    }

    @Override
    public void close() {
        pending.forEach(NDArray::close);
        pending.clear();
        steps.clear();
    }
}
