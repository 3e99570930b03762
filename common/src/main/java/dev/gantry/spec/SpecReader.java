package dev.gantry.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads typed fields out of a YAML tree, collecting every problem (with file, line and field)
 * instead of stopping at the first, so a user fixes a spec in one pass.
 */
final class SpecReader {
    private final String source;
    private final YamlLocations locations;
    private final List<String> problems = new ArrayList<>();

    SpecReader(String source, YamlLocations locations) {
        this.source = source;
        this.locations = locations;
    }

    void problem(String path, String message) {
        int line = locations.lineOf(path);
        problems.add(source + (line > 0 ? ":" + line : "") + ": " + path + ": " + message);
    }

    List<String> problems() {
        return problems;
    }

    /** Rejects keys this section does not define: a typo must not silently fall back to a default. */
    void onlyKnownKeys(JsonNode section, String path, Set<String> known) {
        if (section == null || !section.isObject()) {
            return;
        }
        for (Iterator<String> it = section.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                problem(join(path, key), "unknown field; expected one of " + new java.util.TreeSet<>(known));
            }
        }
    }

    JsonNode section(JsonNode parent, String path, String key) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node != null && !node.isNull() && !node.isObject()) {
            problem(join(path, key), "must be a mapping of fields");
            return null;
        }
        return node;
    }

    String string(JsonNode parent, String path, String key, String fallback) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isValueNode()) {
            problem(join(path, key), "must be a single value");
            return fallback;
        }
        return node.asText();
    }

    String choice(JsonNode parent, String path, String key, String fallback, Set<String> allowed) {
        String value = string(parent, path, key, fallback);
        if (value == null) {
            problem(join(path, key), "is required; one of " + allowed);
            return null;
        }
        if (!allowed.contains(value)) {
            problem(join(path, key), "'" + value + "' is not one of " + allowed);
            return fallback;
        }
        return value;
    }

    int integer(JsonNode parent, String path, String key, int fallback, long min, long max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.canConvertToExactIntegral() || !node.canConvertToInt()) {
            problem(join(path, key), "must be a whole number (got '" + node.asText() + "')");
            return fallback;
        }
        int value = node.asInt();
        if (value < min || value > max) {
            problem(join(path, key), "must be between " + min + " and " + max + " (got " + value + ")");
            return fallback;
        }
        return value;
    }

    long longValue(JsonNode parent, String path, String key, long fallback) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.canConvertToExactIntegral() || !node.canConvertToLong()) {
            problem(join(path, key), "must be a whole number (got '" + node.asText() + "')");
            return fallback;
        }
        return node.asLong();
    }

    double number(JsonNode parent, String path, String key, double fallback, double min, double max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        double value;
        if (node.isNumber()) {
            value = node.asDouble();
        } else {
            try {
                value = Double.parseDouble(node.asText());
            } catch (NumberFormatException e) {
                problem(join(path, key), "must be a number (got '" + node.asText() + "')");
                return fallback;
            }
        }
        if (!(value >= min && value <= max)) {
            problem(join(path, key), "must be between " + min + " and " + max + " (got " + value + ")");
            return fallback;
        }
        return value;
    }

    boolean bool(JsonNode parent, String path, String key, boolean fallback) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            problem(join(path, key), "must be true or false (got '" + node.asText() + "')");
            return fallback;
        }
        return node.asBoolean();
    }

    boolean present(JsonNode parent, String key) {
        return parent != null && parent.has(key) && !parent.get(key).isNull();
    }

    /** A list of whole numbers; a single number is accepted as a one-element list. */
    List<Integer> integers(JsonNode parent, String path, String key, List<Integer> fallback) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        List<Integer> values = new ArrayList<>();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                if (!item.canConvertToExactIntegral()) {
                    problem(join(path, key) + "[" + i + "]", "must be a whole number (got '" + item.asText() + "')");
                } else {
                    values.add(item.asInt());
                }
            }
        } else if (node.canConvertToExactIntegral()) {
            values.add(node.asInt());
        } else {
            problem(join(path, key), "must be a list of whole numbers");
            return fallback;
        }
        return values;
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
