package dev.gantry.observability;

import io.prometheus.metrics.core.metrics.Gauge;

/** The outcome of each numerical self-test a process ran, as 1 (passed) or 0 (failed), by check name. */
public final class SelfTestMetrics {
    private static final Gauge PASSED = Gauge.builder().name("gantry_selftest_passed")
            .help("1 when the named numerical self-test passed in this process, 0 when it failed")
            .labelNames("check").register();

    private SelfTestMetrics() {}

    public static void record(String check, boolean passed) {
        PASSED.labelValues(check).set(passed ? 1 : 0);
    }
}
