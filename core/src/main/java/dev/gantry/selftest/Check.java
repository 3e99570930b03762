package dev.gantry.selftest;

/**
 * One numerical check: the error measured against an independent reference, and its bound.
 *
 * @param detail what was compared, and any informational numbers
 */
public record Check(String name, double error, double tolerance, String detail) {
    /** A check that could not run here (no reference available); it neither passes nor fails. */
    public static Check notRun(String name, String why) {
        return new Check(name, Double.NaN, Double.NaN, why);
    }

    public boolean ran() {
        return !Double.isNaN(tolerance);
    }

    /** True when it ran within its bound, or could not run at all. */
    public boolean passed() {
        return !ran() || error <= tolerance;
    }

    public String line() {
        if (!ran()) {
            return String.format("%-4s %-38s %s", "skip", name, detail);
        }
        return String.format("%-4s %-38s error %.3e (limit %.0e)  %s", passed() ? "ok" : "FAIL", name, error, tolerance,
                detail);
    }
}
