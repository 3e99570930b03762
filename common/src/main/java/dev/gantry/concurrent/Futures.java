package dev.gantry.concurrent;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work done on another thread as if it had run on this one. */
public final class Futures {
    private Futures() {}

    /**
     * The result, or the work's own failure rethrown as it was thrown there (so that whoever judges
     * failures, such as a worker's failure policy, sees the same exception either way).
     */
    public static <T> T get(Future<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
