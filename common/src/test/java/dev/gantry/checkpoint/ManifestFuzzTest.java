package dev.gantry.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.storage.LocalObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Thousands of mutated MANIFEST.json files in front of a real committed checkpoint on local disk:
 * reading the checkpoint either verifies it or refuses it with the checkpoint module's own
 * {@link CheckpointException}. Never a storage error (which workers would retry as transient),
 * never a raw path or number error: a manifest that names a strange object is a corrupt checkpoint,
 * to be quarantined.
 */
class ManifestFuzzTest {
    static final int TRIES = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static byte[] manifest;

    @BeforeContainer
    static void commitOneCheckpoint() throws IOException {
        dir = Files.createTempDirectory("manifest-fuzz");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.safetensors", SafeTensors.write(Map.of("t", new SafeTensors.Tensor(new long[] {2}, new float[] {1, 2})),
                Map.of()));
        files.put("state.json", "{\"version\": 1, \"step\": 500}".getBytes(StandardCharsets.UTF_8));
        CheckpointStore.singleWriter(new LocalObjectStore(dir)).commit("", 500, "ab12", files);
        Files.createDirectories(dir.resolve("sub"));  // a directory beside the objects, which a lying name may point at
        manifest = Files.readAllBytes(dir.resolve(Manifest.FILE_NAME));
    }

    @AfterContainer
    static void removeIt() throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Values a forged or damaged manifest may hold where a name, number or list belongs. */
    private static JsonNode lie(SplittableRandom random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        JsonNode[] lies = {f.nullNode(), f.numberNode(-1), f.numberNode(Long.MAX_VALUE),
                f.numberNode(new java.math.BigInteger("99999999999999999999999")), f.numberNode(1e300), f.textNode(""),
                f.textNode("."), f.textNode(".."), f.textNode("sub"), f.textNode("../MANIFEST.json"), f.textNode("/etc/passwd"),
                f.textNode("a\u0000b"), f.textNode("C:\\x"), f.textNode("model.safetensors"), f.textNode("MANIFEST.json"),
                f.textNode("é\u202e.json"), f.textNode("x".repeat(5000)), f.textNode("gantry-checkpoint"), f.textNode("2"),
                f.booleanNode(true), f.objectNode(), f.arrayNode(), f.arrayNode().add(1).add("x")};
        return lies[random.nextInt(lies.length)];
    }

    /** The committed manifest with one field, or one file entry's field, replaced by a lie. */
    private static byte[] lyingManifest(SplittableRandom random) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(manifest);
        String[] top = {"format", "version", "step", "specHash", "files"};
        String[] entry = {"name", "object", "size", "sha256"};
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            if (random.nextBoolean() && root.get("files") instanceof ArrayNode files && !files.isEmpty()) {
                JsonNode f = files.get(random.nextInt(files.size()));
                if (f instanceof ObjectNode o) {
                    o.set(entry[random.nextInt(entry.length)], lie(random));
                } else {
                    files.add(files.get(0).deepCopy());
                }
            } else {
                root.set(top[random.nextInt(top.length)], lie(random));
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    @Property(tries = TRIES, seed = "20261201")
    void mutatedManifestsVerifyOrAreRefusedWithACheckpointError(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = random.nextInt(2) == 0 ? lyingManifest(random) : Mutations.mutate(manifest, random, edits);
        // Written directly, not through the store: no fsync per try.
        Files.write(dir.resolve(Manifest.FILE_NAME), bytes);
        try {
            CheckpointStore.singleWriter(new LocalObjectStore(dir)).read("");
        } catch (CheckpointException expected) {
            // the checkpoint module's own error: a corrupt or foreign checkpoint
        }
    }

    @Property(tries = 1000, seed = "20261201")
    void mutatedManifestsParseOrAreRefused(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = random.nextInt(2) == 0 ? lyingManifest(random) : Mutations.mutate(manifest, random, edits);
        try {
            Manifest.parse(bytes, "fuzz");
        } catch (CheckpointException expected) {
            // the parser's own error
        }
    }
}
