package dev.gantry.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps glibc's malloc from handing libtorch's large buffers back to the kernel after every use.
 * A training step allocates and frees the same activations, gradients and oneDNN scratchpads
 * (up to 67 MB each at the paper's configuration, 268 MB for an attention map at 32x32) hundreds
 * of times; by default each one above the mmap threshold (128 KB, growing with use) is a fresh
 * mapping and each free above the trim threshold returns pages, so the next step faults them in
 * again: on a virtual machine that costs more than the convolutions. Kept in the heap instead (an
 * mmap threshold of 1 GB, a heap top that is never trimmed), a step reuses warm pages.
 *
 * <p>That works only in glibc's main arena: a thread's own arena is made of 64 MB heaps, and a
 * larger buffer is mapped anyway. The JVM runs Java's main thread and every thread it starts on
 * such arenas, and a thread keeps the arena it first used, so {@code MALLOC_ARENA_MAX=1} must be in
 * the environment when the process starts: the {@code gantry} launcher and the images set it
 * ({@link #singleArena} says whether it is). {@code GANTRY_MALLOC=default} leaves glibc alone.
 */
public final class NativeAllocator {
    public static final String ENV = "GANTRY_MALLOC";
    private static final Logger log = LoggerFactory.getLogger(NativeAllocator.class);
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int MMAP_THRESHOLD = 1 << 30;
    private static final int TOP_PAD = 64 << 20;
    private static final int TRIM_THRESHOLD = Integer.MAX_VALUE;
    /** glibc's default: buffers from 128 KB up are mapped for themselves and unmapped when freed. */
    private static final int ONE_OFF_MMAP_THRESHOLD = 128 << 10;
    private static boolean applied;

    private NativeAllocator() {}

    /** The same settings as glibc's environment variables, for another process (a benchmark's reference). */
    public static java.util.Map<String, String> environment() {
        return java.util.Map.of("MALLOC_MMAP_THRESHOLD_", "" + MMAP_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", "" + TRIM_THRESHOLD,
                "MALLOC_TOP_PAD_", "" + TOP_PAD, "MALLOC_ARENA_MAX", "1");
    }

    /** Whether every thread of this process allocates from glibc's main arena (set at process start). */
    public static boolean singleArena() {
        return "1".equals(System.getenv("MALLOC_ARENA_MAX"));
    }

    /** glibc's mallopt; absent on other C libraries. */
    interface CLibrary extends Library {
        int mallopt(int param, int value);
    }

    /** Applies the settings once per process; says so and does nothing where glibc is not the C library. */
    public static synchronized boolean tune() {
        if (applied) {
            return true;
        }
        String mode = System.getenv(ENV);
        if (mode != null && mode.trim().equalsIgnoreCase("default")) {
            return false;
        }
        if (mode != null && !mode.isBlank() && !mode.trim().equalsIgnoreCase("tuned")) {
            throw new IllegalArgumentException(ENV + "=" + mode + ": expected tuned or default");
        }
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return false;
        }
        try {
            CLibrary c = Native.load("c", CLibrary.class);
            boolean ok = c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                    & c.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
                    & c.mallopt(M_TOP_PAD, TOP_PAD) == 1;
            if (!ok) {
                log.warn("glibc refused a malloc setting; native buffers may be returned to the kernel after each use");
            }
            applied = ok;
            return ok;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            log.info("malloc settings not applied ({}): not glibc", e.getMessage());
            return false;
        }
    }

    /**
     * Runs one-off work (a check before training starts) with its large buffers mapped and unmapped
     * one by one, as glibc does by default. With the settings applied, what it frees would stay in
     * the heap, in pieces that long-lived allocations made meanwhile keep the training step from
     * reusing, and would add to the process's peak memory (about 150 MB on the small benchmark).
     */
    public static synchronized <T> T oneOff(java.util.function.Supplier<T> work) {
        if (!applied) {
            return work.get();
        }
        CLibrary c = Native.load("c", CLibrary.class);
        c.mallopt(M_MMAP_THRESHOLD, ONE_OFF_MMAP_THRESHOLD);
        try {
            return work.get();
        } finally {
            c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}
