package dev.gantry.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The commit record of a checkpoint: for every file it consists of, the object that holds it, its
 * size and SHA-256. It is written last (with a conditional PUT on object stores); a checkpoint
 * without a manifest does not exist, and readers check every object against it before use.
 *
 * <p>Version 2 names each file's object: in shared stores {@code model.<sha256 prefix>.safetensors},
 * so two writers of one checkpoint with different bytes (another CPU, a GPU) never write the same
 * key, and the manifest alone decides whose bytes are the checkpoint. Version 1 manifests (before
 * December 2026) stored each file under its own name; they are read as before.
 */
public record Manifest(int version, long step, String specHash, List<Entry> files) {
    public static final String FILE_NAME = "MANIFEST.json";
    public static final String FORMAT = "gantry-checkpoint";
    public static final int VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One file: its name in the checkpoint, the object that holds it, its size and SHA-256. */
    public record Entry(String name, String object, long size, String sha256) {}

    /** @param contentAddressed store each file under a name that includes its hash (shared stores) */
    public static Manifest describe(long step, String specHash, Map<String, byte[]> files, boolean contentAddressed) {
        List<Entry> entries = new ArrayList<>();
        files.forEach((name, bytes) -> {
            String sha = sha256(bytes);
            entries.add(new Entry(name, contentAddressed ? objectName(name, sha) : name, bytes.length, sha));
        });
        return new Manifest(VERSION, step, specHash, entries);
    }

    /** "model.safetensors" with hash h -> "model.h[0:16].safetensors". */
    static String objectName(String name, String sha256) {
        int dot = name.lastIndexOf('.');
        String tag = sha256.substring(0, 16);
        return dot <= 0 ? name + "." + tag : name.substring(0, dot) + "." + tag + name.substring(dot);
    }

    /** The same files with the same bytes (object names aside). */
    public boolean sameContents(Manifest other) {
        return step == other.step && specHash.equals(other.specHash) && files.stream().map(e -> e.name() + e.sha256())
                .toList().equals(other.files.stream().map(e -> e.name() + e.sha256()).toList());
    }

    /** Throws unless {@code files} holds exactly the listed objects with the listed sizes and hashes. */
    public void verify(Map<String, byte[]> files, String location) {
        for (Entry e : this.files) {
            byte[] bytes = files.get(e.name());
            if (bytes == null) {
                throw new CheckpointException(location + ": " + e.name() + " is listed in the manifest but missing");
            }
            if (bytes.length != e.size()) {
                throw new CheckpointException(location + ": " + e.name() + " has " + bytes.length + " bytes, manifest says "
                        + e.size());
            }
            String actual = sha256(bytes);
            if (!actual.equals(e.sha256())) {
                throw new CheckpointException(location + ": " + e.name() + " is corrupt (SHA-256 " + actual
                        + ", manifest says " + e.sha256() + ")");
            }
        }
    }

    /** Throws unless {@code bytes} are the listed file {@code name}'s (size and SHA-256). */
    public void verifyFile(String name, byte[] bytes, String location) {
        Entry e = files.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new CheckpointException(location + ": the manifest lists no " + name));
        if (bytes.length != e.size() || !sha256(bytes).equals(e.sha256())) {
            throw new CheckpointException(location + ": " + name + " is corrupt (SHA-256 " + sha256(bytes)
                    + ", manifest says " + e.sha256() + ")");
        }
    }

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", version);
        root.put("step", step);
        root.put("specHash", specHash);
        var array = root.putArray("files");
        for (Entry e : files) {
            array.addObject().put("name", e.name()).put("object", e.object()).put("size", e.size())
                    .put("sha256", e.sha256());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What a file or object name may be: the names gantry writes ("model.safetensors",
     * "model.0123456789abcdef.safetensors", "state.json") and their like. Names come from a file
     * anyone with write access to the store can forge, and become object keys and local paths: a
     * '.', a NUL or a control character there is a store error (which workers retry as transient)
     * or a path error, not a corrupt checkpoint, unless refused here.
     */
    private static final java.util.regex.Pattern SAFE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    /** A forged name as it can be shown in a message: control characters escaped, at most 80 characters. */
    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(80).forEach(c -> out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", c)
                : new String(Character.toChars(c))));
        return name.codePointCount(0, name.length()) > 80 ? out + "..." : out.toString();
    }

    public static Manifest parse(byte[] json, String location) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new CheckpointException(location + ": " + FILE_NAME + " is not JSON: " + e.getMessage());
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new CheckpointException(location + ": " + FILE_NAME + " is not a gantry checkpoint manifest");
        }
        long version = wholeNumber(root, "version", location);
        if (version < 1) {
            throw new CheckpointException(location + ": " + FILE_NAME + ": version " + version + " does not exist");
        }
        if (version > VERSION) {
            // A newer writer's format (a rolling upgrade): not corrupt, so never quarantined.
            throw new UnsupportedFormatException(location + ": manifest version " + version
                    + " is not supported (this gantry reads versions 1 to " + VERSION + ")");
        }
        if (!root.path("files").isArray()) {
            throw new CheckpointException(location + ": " + FILE_NAME + ": files must be a list");
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode f : root.path("files")) {
            String name = f.path("name").asText("");
            String object = version == 1 ? name : f.path("object").asText("");
            for (String n : new String[] {name, object}) {
                if (!SAFE_NAME.matcher(n).matches() || n.contains("..")) {
                    throw new CheckpointException(location + ": manifest lists a bad file or object name '"
                            + printable(n) + "'");
                }
            }
            entries.add(new Entry(name, object, wholeNumber(f, "size", location), f.path("sha256").asText("")));
        }
        if (entries.isEmpty()) {
            throw new CheckpointException(location + ": manifest lists no files");
        }
        return new Manifest((int) version, wholeNumber(root, "step", location), root.path("specHash").asText(""), entries);
    }

    /**
     * A field that must be a whole number from 0 to Long.MAX_VALUE. Jackson's asLong would read
     * "12" as 12, 1.5 as 1 and 2^64 + 500 as 500; a manifest is written by gantry, so anything but
     * a plain whole number is damage or forgery.
     */
    private static long wholeNumber(JsonNode parent, String field, String location) {
        JsonNode node = parent.path(field);
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 0) {
            throw new CheckpointException(location + ": " + FILE_NAME + ": " + field + " must be a whole number of 0 or more, got "
                    + (node.isMissingNode() ? "nothing" : printable(node.toString())));
        }
        return node.asLong();
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
