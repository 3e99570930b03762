package dev.gantry.chaos;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a chaos run injected and what it found at the end; the exit status says whether anything was lost. */
public final class ChaosReport {
    /** One end-of-run check. */
    public record Check(String name, boolean passed, String detail) {}

    private final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
    private final Map<Fault, Integer> skipped = new EnumMap<>(Fault.class);
    private final List<Check> checks;
    private final List<String> restarts;
    private final long seed;
    private final double seconds;

    ChaosReport(Map<Fault, Integer> injected, Map<Fault, Integer> skipped, List<Check> checks, List<String> restarts,
            long seed, double seconds) {
        this.injected.putAll(injected);
        this.skipped.putAll(skipped);
        this.checks = List.copyOf(checks);
        this.restarts = List.copyOf(restarts);
        this.seed = seed;
        this.seconds = seconds;
    }

    public boolean nothingLost() {
        return checks.stream().allMatch(Check::passed);
    }

    public int injected(Fault fault) {
        return injected.getOrDefault(fault, 0);
    }

    public List<Check> checks() {
        return checks;
    }

    public String table() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "chaos run, seed %d, %.0f s%n%n", seed, seconds));
        out.append(String.format("%-28s %9s %9s %9s%n", "fault", "injected", "survived", "n/a"));
        int total = 0;
        for (Fault f : Fault.values()) {
            int n = injected(f);
            total += n;
            out.append(String.format(Locale.ROOT, "%-28s %9d %9s %9d%n", f.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    n, nothingLost() ? String.valueOf(n) : "?", skipped.getOrDefault(f, 0)));
        }
        out.append(String.format("%-28s %9d%n", "total", total));
        out.append(String.format("processes that exited on their own and were restarted (as a supervisor would): %s%n%n",
                restarts.isEmpty() ? "none" : String.join(", ", restarts)));
        out.append(String.format("%-44s %s%n", "check", "result"));
        for (Check c : checks) {
            out.append(String.format("%-44s %s%s%n", c.name(), c.passed() ? "ok" : "LOST",
                    c.detail().isEmpty() ? "" : "  " + c.detail()));
        }
        out.append(nothingLost() ? "\nnothing lost\n" : "\nSOMETHING WAS LOST (see the checks above)\n");
        return out.toString();
    }
}
