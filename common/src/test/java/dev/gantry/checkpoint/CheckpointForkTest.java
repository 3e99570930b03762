package dev.gantry.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.ForkOverrides;
import dev.gantry.storage.LocalObjectStore;
import dev.gantry.storage.ObjectStore;
import dev.gantry.testing.TinySpecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fork copy on a directory store (the S3 test of the same code is in local's S3ObjectStoreTest). */
class CheckpointForkTest {
    @TempDir
    Path dir;

    /** A committed parent checkpoint at step 2 of the tiny spec, with a minimal state.json. */
    public static String commitParent(ObjectStore store, String prefix) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.safetensors", "model-bytes".getBytes(StandardCharsets.UTF_8));
        files.put("optimizer.safetensors", "optimizer-bytes".getBytes(StandardCharsets.UTF_8));
        files.put("state.json", ("{\"format\":\"gantry-checkpoint\",\"version\":1,\"step\":2,\"specHash\":\""
                + TinySpecs.spec().trajectoryHash() + "\",\"seed\":7,\"optimizers\":{\"G\":{\"type\":\"adam\",\"step\":2,"
                + "\"lr\":1.0E-4},\"D\":{\"type\":\"adam\",\"step\":2,\"lr\":4.0E-4}},\"spec\":\"x\"}")
                .getBytes(StandardCharsets.UTF_8));
        new CheckpointStore(store).commit(prefix, 2, TinySpecs.spec().trajectoryHash(), files);
        return Manifest.sha256(store.get(prefix + Manifest.FILE_NAME).orElseThrow());
    }

    public static Lineage childLineage() {
        ForkOverrides.Child child = ForkOverrides.apply(TinySpecs.yaml(""), 2, Map.of("training.lrG", "2e-4"), 6L, "t");
        return Lineage.root("p", TinySpecs.yaml(""), TinySpecs.spec(), Map.of())
                .fork("c", 2, child.specYaml(), child.spec(), child.overrides(), "");
    }

    /** Shared by the directory and S3 tests: copy, verify, delete the parent, read the child. */
    public static void copiesAndSurvivesTheParent(ObjectStore store, String parentPrefix, String childPrefix)
            throws Exception {
        String parentSha = commitParent(store, parentPrefix);
        CheckpointFork.Copied copied = CheckpointFork.copy(store, parentPrefix, 2, parentSha, store, childPrefix,
                childLineage());
        assertFalse(copied.alreadyCommitted());
        assertEquals(parentSha, copied.parentManifestSha256());
        assertEquals(parentSha, copied.lineage().last().parentManifestSha256());
        CheckpointStore checkpoints = new CheckpointStore(store);
        Map<String, byte[]> child = checkpoints.read(childPrefix, new CheckpointStore.Expected(2,
                childLineage().spec().trajectoryHash(), copied.manifestSha256()));
        assertArrayEquals("model-bytes".getBytes(StandardCharsets.UTF_8), child.get("model.safetensors"));
        JsonNode state = new ObjectMapper().readTree(child.get("state.json"));
        assertEquals(2e-4, state.path("optimizers").path("G").path("lr").asDouble());
        assertEquals(2, state.path("optimizers").path("G").path("step").asLong(), "Adam's step count carries over");
        assertEquals(childLineage().spec().trajectoryHash(), state.path("specHash").asText());
        assertEquals(childLineage().last().specYaml(), state.path("spec").asText());
        assertEquals("c", CheckpointFork.lineageOf(state, "t").orElseThrow().trialId());

        CheckpointFork.Copied again = CheckpointFork.copy(store, parentPrefix, 2, parentSha, store, childPrefix,
                childLineage());
        assertTrue(again.alreadyCommitted(), "a second copy finds the first one's commit");
        assertEquals(copied.manifestSha256(), again.manifestSha256());
        assertEquals(parentSha, again.parentManifestSha256());

        for (String key : store.list(parentPrefix)) {
            store.delete(key);  // retention removes the parent
        }
        assertArrayEquals("optimizer-bytes".getBytes(StandardCharsets.UTF_8),
                checkpoints.read(childPrefix).get("optimizer.safetensors"), "the child does not share the parent's fate");
    }

    @Test
    void directoryStoreCopiesAsHardLinks() throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir);
        copiesAndSurvivesTheParent(store, "exp/p/step-00000002/", "exp/c/step-00000002/");
        LocalObjectStore other = new LocalObjectStore(dir.resolve("x"));
        commitParent(other, "p/");
        Manifest m = Manifest.parse(other.get("p/" + Manifest.FILE_NAME).orElseThrow(), "p");
        String model = m.files().get(0).object();
        CheckpointFork.copy(other, "p/", 2, "", other, "c/", childLineage());
        assertTrue(Files.isSameFile(dir.resolve("x/p/" + model), dir.resolve("x/c/" + model)), "a hard link, not a copy");
    }

    @Test
    void aMissingOrUnexpectedParentIsRefusedAndNothingIsCommitted() {
        LocalObjectStore store = new LocalObjectStore(dir);
        assertThrows(CheckpointException.class,
                () -> CheckpointFork.copy(store, "p/", 2, "", store, "c/", childLineage()));
        commitParent(store, "p/");
        CheckpointException wrong = assertThrows(CheckpointException.class,
                () -> CheckpointFork.copy(store, "p/", 2, "00".repeat(32), store, "c/", childLineage()));
        assertTrue(wrong.getMessage().contains("not the one committed"), wrong.getMessage());
        assertThrows(CheckpointException.class, () -> CheckpointFork.copy(store, "p/", 3, "", store, "c/", childLineage()));
        assertFalse(new CheckpointStore(store).exists("c/"));
    }
}
