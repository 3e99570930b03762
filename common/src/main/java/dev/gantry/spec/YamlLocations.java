package dev.gantry.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Line numbers of every field in a YAML document, keyed by dotted path ("training.batchSize",
 * "model.generator.attention[1]"), so validation errors can point at the line to fix. Jackson's
 * tree model drops locations, hence this separate token pass.
 */
final class YamlLocations {
    private static final YAMLFactory FACTORY = SpecLoader.yamlFactory();
    private final Map<String, Integer> lines;

    private YamlLocations(Map<String, Integer> lines) {
        this.lines = lines;
    }

    static YamlLocations of(String yaml) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = FACTORY.createParser(yaml)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME || token.isScalarValue()) {
                    String path = dotted(parser.getParsingContext().pathAsPointer().toString());
                    lines.putIfAbsent(path, parser.currentTokenLocation().getLineNr());
                }
            }
        }
        return new YamlLocations(lines);
    }

    /** No locations (text that is not a file: a distribution carried on the wire). */
    static YamlLocations empty() {
        return new YamlLocations(Map.of());
    }

    /** The line of a path, or of its nearest ancestor that is present; 0 when unknown. */
    int lineOf(String path) {
        String p = path;
        while (!p.isEmpty()) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
        }
        return 0;
    }

    private static String dotted(String pointer) {
        StringBuilder out = new StringBuilder();
        for (String part : pointer.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.chars().allMatch(Character::isDigit)) {
                out.append('[').append(part).append(']');
            } else {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(part.replace("~1", "/").replace("~0", "~"));
            }
        }
        return out.toString();
    }
}
