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
 * The commit record of a checkpoint: the size and SHA-256 of every object it consists of. It is
 * written last (with a conditional PUT on object stores); a checkpoint without a manifest does
 * not exist, and readers check every object against it before use.
 */
public record Manifest(int version, long step, String specHash, List<Entry> files) {
    public static final String FILE_NAME = "MANIFEST.json";
    public static final String FORMAT = "gantry-checkpoint";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record Entry(String name, long size, String sha256) {}

    public static Manifest describe(long step, String specHash, Map<String, byte[]> files) {
        List<Entry> entries = new ArrayList<>();
        files.forEach((name, bytes) -> entries.add(new Entry(name, bytes.length, sha256(bytes))));
        return new Manifest(VERSION, step, specHash, entries);
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

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", version);
        root.put("step", step);
        root.put("specHash", specHash);
        var array = root.putArray("files");
        for (Entry e : files) {
            array.addObject().put("name", e.name()).put("size", e.size()).put("sha256", e.sha256());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
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
        int version = root.path("version").asInt(-1);
        if (version != VERSION) {
            throw new CheckpointException(location + ": checkpoint format version " + version
                    + " is not supported (this gantry reads version " + VERSION + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode f : root.path("files")) {
            String name = f.path("name").asText("");
            if (name.isEmpty() || name.contains("/") || name.contains("..")) {
                throw new CheckpointException(location + ": manifest lists a bad object name '" + name + "'");
            }
            entries.add(new Entry(name, f.path("size").asLong(-1), f.path("sha256").asText("")));
        }
        if (entries.isEmpty()) {
            throw new CheckpointException(location + ": manifest lists no files");
        }
        return new Manifest(version, root.path("step").asLong(-1), root.path("specHash").asText(""), entries);
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
