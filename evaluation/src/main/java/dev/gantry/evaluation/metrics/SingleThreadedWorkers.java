package dev.gantry.evaluation.metrics;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.gantry.runtime.EngineSetup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Runs independent pieces of work (KID subsets) on as many Java threads as gantry's configured
 * intra-op thread count, each with libtorch, and so MKL, on one thread.
 *
 * <p>Why not one piece at a time with a two-thread BLAS: MKL's threads meet at OpenMP barriers and
 * spin while they wait, so on a machine shared with other work (a CI runner, two cores) a product
 * that loses one of its cores for a moment stalls the other; KID's subsets ran at half NumPy's
 * speed there, and OMP_WAIT_POLICY=PASSIVE or one thread gave most of it back. Independent
 * single-threaded products have no barrier to wait at and run at the same speed on an idle machine.
 * MKL's and OpenMP's thread counts are per thread, so the caller's own setting is left as it was.
 */
final class SingleThreadedWorkers {
    private SingleThreadedWorkers() {}

    /**
     * Calls {@code work} with worker ids 0 .. workers - 1, each on its own thread, and returns when
     * all have; the first failure is rethrown.
     */
    static void run(int workers, IntConsumer work) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int id = w;
            Thread t = new Thread(() -> {
                try {
                    Engine.getEngine("PyTorch");  // loads the native library if this thread is the first to need it
                    JniUtils.setNumThreads(1);
                    work.accept(id);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "gantry-metrics-" + w);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while metrics were computed", e);
            }
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
    }

    /** gantry's configured intra-op thread count, at most {@code pieces}. */
    static int count(int pieces) {
        return Math.max(1, Math.min(pieces, EngineSetup.configuredThreads()));
    }
}
