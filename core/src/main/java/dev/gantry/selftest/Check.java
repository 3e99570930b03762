package dev.gantry.selftest;

/**
 * One numerical check: the error measured against an independent reference, and its bound.
 *
 * @param detail what was compared, and any informational numbers
 */
public record Check(String name, double error, double tolerance, String detail) {
    public boolean passed() {
        return error <= tolerance;
    }

    public String line() {
        return String.format("%-4s %-38s error %.3e (limit %.0e)  %s", passed() ? "ok" : "FAIL", name, error, tolerance,
                detail);
    }
}
