package dev.gantry.runtime;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.ThreadFactory;

/**
 * Engine settings that must be fixed before DJL loads the PyTorch engine. Thread counts are part
 * of determinism: the same state is reproduced bit for bit only at the same intra-op thread count.
 */
public final class EngineSetup {
    public static final String THREADS_ENV = "GANTRY_THREADS";

    private EngineSetup() {}

    /** @param threads intra-op threads; null takes $GANTRY_THREADS, else the number of cores */
    public static int configure(Integer threads) {
        int n = threads != null ? threads : defaultThreads();
        if (n < 1) {
            throw new IllegalArgumentException("--threads must be at least 1 (got " + n + ")");
        }
        NativeAllocator.tune();  // before libtorch allocates anything
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        if (System.getProperty("ai.djl.offline") == null) {
            // The native library ships in the pytorch-native-cpu jar: never try to download one.
            System.setProperty("ai.djl.offline", "true");
        }
        return n;
    }

    /**
     * Threads for libtorch work off the main thread. Each sets the intra-op thread count on itself
     * first: OpenMP keeps that count per thread, and a thread the JVM creates starts with one per
     * core whatever {@link #configure} said, which changes the reduction order and with it the bits
     * of every result (a worker's segment no longer matched the same segment redone elsewhere).
     */
    public static ThreadFactory computeThreads(String name) {
        return work -> new Thread(() -> {
            Engine.getEngine("PyTorch");  // loads the native library if this thread is the first to need it
            JniUtils.setNumThreads(configuredThreads());
            work.run();
        }, name);
    }

    /** What {@link #configure} set, else {@link #defaultThreads}. */
    public static int configuredThreads() {
        String set = System.getProperty("ai.djl.pytorch.num_threads");
        return set != null ? Integer.parseInt(set) : defaultThreads();
    }

    /** $GANTRY_THREADS, else every core. */
    public static int defaultThreads() {
        String value = System.getenv(THREADS_ENV);
        if (value == null || value.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(THREADS_ENV + "=" + value + " is not a whole number");
        }
    }
}
