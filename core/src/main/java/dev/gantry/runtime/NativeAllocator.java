package dev.gantry.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps glibc's malloc from handing libtorch's large buffers back to the kernel after every use.
 * A training step allocates and frees the same few-megabyte activations, gradients and oneDNN
 * scratchpads hundreds of times; by default each one above the mmap threshold (128 KB, growing
 * with use) is a fresh mapping and each free above the trim threshold returns pages, so the next
 * step faults them in again: on a virtual machine page faults cost more than the convolutions of a
 * small model. Kept in the heap instead (buffers up to 32 MB, glibc's maximum, a heap top that is
 * never trimmed), a step reuses warm pages. The process's peak memory is the same (what was freed
 * is reused, not added to); only its resident size no longer shrinks between steps.
 * {@code GANTRY_MALLOC=default} leaves glibc's settings alone.
 */
public final class NativeAllocator {
    public static final String ENV = "GANTRY_MALLOC";
    private static final Logger log = LoggerFactory.getLogger(NativeAllocator.class);
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int MMAP_THRESHOLD = 32 << 20;  // glibc refuses more on 64-bit
    private static final int TOP_PAD = 64 << 20;
    private static final int TRIM_THRESHOLD = Integer.MAX_VALUE;
    private static boolean applied;

    private NativeAllocator() {}

    /** The same settings as glibc's environment variables, for another process (a benchmark's reference). */
    public static java.util.Map<String, String> environment() {
        return java.util.Map.of("MALLOC_MMAP_THRESHOLD_", "" + MMAP_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", "" + TRIM_THRESHOLD,
                "MALLOC_TOP_PAD_", "" + TOP_PAD);
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
}
