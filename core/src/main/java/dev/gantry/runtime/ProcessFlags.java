package dev.gantry.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code --flag value} pairs of a role's process (coordinator, worker), checked against the
 * flags that role knows; errors name the role and the flag.
 */
public final class ProcessFlags {
    private final String role;
    private final Map<String, String> values;

    private ProcessFlags(String role, Map<String, String> values) {
        this.role = role;
        this.values = values;
    }

    /** @param from index of the first flag in {@code args} */
    public static ProcessFlags parse(String role, String[] args, int from, Set<String> known) {
        Map<String, String> values = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(role + ": expected --flag value pairs, got '" + args[i] + "'");
            }
            String name = args[i].substring(2);
            if (!known.contains(name)) {
                throw new IllegalArgumentException(role + ": unknown flag --" + name + "; expected one of "
                        + new TreeSet<>(known).stream().map(f -> "--" + f).toList());
            }
            values.put(name, args[++i]);
        }
        return new ProcessFlags(role, values);
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public int number(String name, int fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(role + ": --" + name + " must be a whole number (got '" + v + "')");
        }
    }

}
