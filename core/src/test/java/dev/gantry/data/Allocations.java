package dev.gantry.data;

import java.lang.management.ManagementFactory;

/** How much a piece of code allocates: the measure of "no allocation the file cannot back". */
final class Allocations {
    private Allocations() {}

    /** Bytes the current thread allocates while {@code r} runs (HotSpot's per-thread counter). */
    static long allocatedBy(Runnable r) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        r.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
