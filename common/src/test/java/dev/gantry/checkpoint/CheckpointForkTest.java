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
import dev.gantry.testing.ForkFixtures;
import dev.gantry.testing.TinySpecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fork copy on a directory store (the S3 test of the same code is in local's S3ObjectStoreTest). */
public class CheckpointForkTest {
    @TempDir
    Path dir;

    /** Shared by the directory and S3 tests: copy, verify, delete the parent, read the child. */
    public static void copiesAndSurvivesTheParent(ObjectStore store, String parentPrefix, String childPrefix)
            throws Exception {
        String parentSha = ForkFixtures.commitParent(store, parentPrefix);
        CheckpointFork.Copied copied = CheckpointFork.copy(store, parentPrefix, 2, parentSha, store, childPrefix,
                ForkFixtures.childLineage());
        assertFalse(copied.alreadyCommitted());
        assertEquals(parentSha, copied.parentManifestSha256());
        assertEquals(parentSha, copied.lineage().last().parentManifestSha256());
        CheckpointStore checkpoints = new CheckpointStore(store);
        Map<String, byte[]> child = checkpoints.read(childPrefix, new CheckpointStore.Expected(2,
                ForkFixtures.childLineage().spec().trajectoryHash(), copied.manifestSha256()));
        assertArrayEquals("model-bytes".getBytes(StandardCharsets.UTF_8), child.get("model.safetensors"));
        JsonNode state = new ObjectMapper().readTree(child.get("state.json"));
        assertEquals(2e-4, state.path("optimizers").path("G").path("lr").asDouble());
        assertEquals(2, state.path("optimizers").path("G").path("step").asLong(), "Adam's step count carries over");
        assertEquals(ForkFixtures.childLineage().spec().trajectoryHash(), state.path("specHash").asText());
        assertEquals(ForkFixtures.childLineage().last().specYaml(), state.path("spec").asText());
        assertEquals("c", CheckpointFork.lineageOf(state, "t").orElseThrow().trialId());

        CheckpointFork.Copied again = CheckpointFork.copy(store, parentPrefix, 2, parentSha, store, childPrefix,
                ForkFixtures.childLineage());
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
        ForkFixtures.commitParent(other, "p/");
        Manifest m = Manifest.parse(other.get("p/" + Manifest.FILE_NAME).orElseThrow(), "p");
        String model = m.files().get(0).object();
        CheckpointFork.copy(other, "p/", 2, "", other, "c/", ForkFixtures.childLineage());
        assertTrue(Files.isSameFile(dir.resolve("x/p/" + model), dir.resolve("x/c/" + model)), "a hard link, not a copy");
    }

    @Test
    void aMissingOrUnexpectedParentIsRefusedAndNothingIsCommitted() {
        LocalObjectStore store = new LocalObjectStore(dir);
        assertThrows(CheckpointException.class,
                () -> CheckpointFork.copy(store, "p/", 2, "", store, "c/", ForkFixtures.childLineage()));
        ForkFixtures.commitParent(store, "p/");
        CheckpointException wrong = assertThrows(CheckpointException.class,
                () -> CheckpointFork.copy(store, "p/", 2, "00".repeat(32), store, "c/", ForkFixtures.childLineage()));
        assertTrue(wrong.getMessage().contains("not the one committed"), wrong.getMessage());
        assertThrows(CheckpointException.class, () -> CheckpointFork.copy(store, "p/", 3, "", store, "c/", ForkFixtures.childLineage()));
        assertFalse(new CheckpointStore(store).exists("c/"));
    }
}
