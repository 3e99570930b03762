package dev.gantry.selftest;

import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import java.util.List;

/**
 * This machine's engine computed a wrong number in a self-test check: nothing it computes with
 * that part may be published. Another machine may be fine, so the work is handed back, not failed.
 */
public final class NumericsException extends ExitException {
    private final List<Check> failed;

    public NumericsException(String what, List<Check> failed) {
        super(ExitStatus.NUMERICS, what + ": numerics self-test failed on this machine: "
                + String.join("; ", failed.stream().map(Check::line).toList()));
        this.failed = List.copyOf(failed);
    }

    public List<Check> failed() {
        return failed;
    }

    /** Throws when any check failed. */
    public static void requirePassed(String what, List<Check> checks) {
        List<Check> failed = checks.stream().filter(c -> !c.passed()).toList();
        if (!failed.isEmpty()) {
            throw new NumericsException(what, failed);
        }
    }
}
