package dev.gantry.training;

import dev.gantry.concurrent.Futures;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongFunction;

/**
 * Prepares step s+1's inputs on a background thread while step s runs, so the compute thread (and a
 * GPU behind it) never waits for image decoding or random draws. One daemon thread per process: it
 * does no libtorch work, so it needs no thread-count setup and no shutdown.
 */
final class InputPrefetch {
    private static final ExecutorService THREAD = Executors.newSingleThreadExecutor(work -> {
        Thread t = new Thread(work, "gantry-input-prefetch");
        t.setDaemon(true);
        return t;
    });

    private final LongFunction<StepInputs> prepare;
    private long nextStep = -1;
    private CompletableFuture<StepInputs> next;

    InputPrefetch(LongFunction<StepInputs> prepare) {
        this.prepare = prepare;
    }

    /** Step s's inputs (prepared ahead when s was expected), and starts preparing s+1's. */
    StepInputs take(long s) {
        StepInputs inputs = s == nextStep ? await(next, s) : prepare.apply(s);
        nextStep = s + 1;
        next = CompletableFuture.supplyAsync(() -> prepare.apply(s + 1), THREAD);
        return inputs;
    }

    private StepInputs await(CompletableFuture<StepInputs> future, long s) {
        try {
            return Futures.get(future);
        } catch (InterruptedException e) {
            // Whoever interrupted (a lost lock) is answered after this step; it still needs its inputs.
            Thread.currentThread().interrupt();
            return prepare.apply(s);
        }
    }
}
