package dev.gantry.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.storage.LocalObjectStore;
import dev.gantry.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit protocol when writers race, bytes differ, objects rot and pointers lie. */
class CheckpointStoreTest {
    private static final String PREFIX = "exp/t000/step-00000100/";

    @TempDir
    Path dir;

    private static Map<String, byte[]> files(String tag) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.safetensors", ("weights " + tag).getBytes(StandardCharsets.UTF_8));
        files.put("state.json", ("{\"step\": 100, \"by\": \"" + tag + "\"}").getBytes(StandardCharsets.UTF_8));
        return files;
    }

    /** A store that lets another writer commit between this writer's "already committed?" check and its upload. */
    private static final class RacingStore implements ObjectStore {
        private final ObjectStore inner;
        private Runnable beforeUpload;

        RacingStore(ObjectStore inner) {
            this.inner = inner;
        }

        @Override
        public void put(String key, byte[] bytes) {
            if (beforeUpload != null) {
                Runnable r = beforeUpload;
                beforeUpload = null;
                r.run();
            }
            inner.put(key, bytes);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] bytes) {
            return inner.putIfAbsent(key, bytes);
        }

        @Override
        public Optional<byte[]> get(String key) {
            return inner.get(key);
        }

        @Override
        public List<String> list(String prefix) {
            return inner.list(prefix);
        }

        @Override
        public void delete(String key) {
            inner.delete(key);
        }

        @Override
        public String location() {
            return inner.location();
        }
    }

    @Test
    void aLosingWriterWithOtherBytesNeverTouchesTheWinnersObjects() {
        ObjectStore local = new LocalObjectStore(dir);
        RacingStore racing = new RacingStore(local);
        CheckpointStore winner = new CheckpointStore(local);
        CheckpointStore loser = new CheckpointStore(racing);
        // The loser passed its "already committed?" check; the winner commits before the loser uploads.
        racing.beforeUpload = () -> assertEquals(CheckpointStore.Outcome.COMMITTED,
                winner.commit(PREFIX, 100, "spec", files("gpu")));
        assertEquals(CheckpointStore.Outcome.ALREADY_COMMITTED, loser.commit(PREFIX, 100, "spec", files("cpu")));
        Map<String, byte[]> read = winner.read(PREFIX);
        assertArrayEquals(files("gpu").get("model.safetensors"), read.get("model.safetensors"),
                "the manifest's bytes are the checkpoint");
        assertEquals(3, local.list(PREFIX).size(), "the loser's own objects are collected: two files and the manifest");
    }

    @Test
    void aCorruptCommittedCheckpointIsQuarantinedAndWrittenAgain() {
        ObjectStore local = new LocalObjectStore(dir);
        CheckpointStore store = new CheckpointStore(local);
        store.commit(PREFIX, 100, "spec", files("a"));
        String model = local.list(PREFIX).stream().filter(k -> k.contains("model.")).findFirst().orElseThrow();
        local.put(model, "rot".getBytes(StandardCharsets.UTF_8));
        assertEquals(CheckpointStore.Outcome.COMMITTED, store.commit(PREFIX, 100, "spec", files("a")),
                "a redo recomputes the corrupt checkpoint instead of announcing it again");
        assertTrue(local.list(PREFIX).stream().anyMatch(k -> k.contains("quarantined")), "its manifest was moved aside");
        assertArrayEquals(files("a").get("model.safetensors"), store.read(PREFIX).get("model.safetensors"));
        local.put(model, "rot again".getBytes(StandardCharsets.UTF_8));
        assertFalse(store.isCommittedAndSound(PREFIX, new CheckpointStore.Expected(100, "spec", "")));
        assertFalse(store.exists(PREFIX));
    }

    @Test
    void quarantineLeavesAManifestAloneThatChangedOrIsOfANewerFormat() {
        ObjectStore local = new LocalObjectStore(dir);
        CheckpointStore store = new CheckpointStore(local);
        store.commit(PREFIX, 100, "spec", files("sound"));
        store.quarantine(PREFIX, "0".repeat(64), new CheckpointException("verified an older manifest"));
        assertTrue(store.exists(PREFIX), "the manifest that failed was another one: the sound one stays");
        local.put(PREFIX + Manifest.FILE_NAME, "{\"format\":\"gantry-checkpoint\",\"version\":9,\"files\":[]}"
                .getBytes(StandardCharsets.UTF_8));
        assertTrue(store.isCommittedAndSound(PREFIX, CheckpointStore.Expected.ANY), "a newer writer's: committed");
        assertTrue(store.exists(PREFIX), "and never quarantined by an older reader");
    }

    @Test
    void aReaderChecksTheManifestItWasPointedAt() {
        ObjectStore local = new LocalObjectStore(dir);
        CheckpointStore store = new CheckpointStore(local);
        store.commit(PREFIX, 100, "spec", files("a"));
        String sha = Manifest.sha256(local.get(PREFIX + Manifest.FILE_NAME).orElseThrow());
        assertEquals(2, store.read(PREFIX, new CheckpointStore.Expected(100, "spec", sha)).size());
        CheckpointException otherManifest = assertThrows(CheckpointException.class,
                () -> store.read(PREFIX, new CheckpointStore.Expected(100, "spec", "0".repeat(64))));
        assertTrue(otherManifest.getMessage().contains("not the one committed"), otherManifest.getMessage());
        assertThrows(CheckpointException.class, () -> store.read(PREFIX, new CheckpointStore.Expected(200, "spec", "")));
        CheckpointException otherSpec = assertThrows(CheckpointException.class,
                () -> store.read(PREFIX, new CheckpointStore.Expected(100, "another", "")));
        assertTrue(otherSpec.getMessage().contains("another trajectory"), otherSpec.getMessage());
    }

    @Test
    void versionOneManifestsStoredUnderFileNamesStillRead() {
        ObjectStore local = new LocalObjectStore(dir);
        Map<String, byte[]> files = files("old");
        StringBuilder json = new StringBuilder("{\"format\":\"gantry-checkpoint\",\"version\":1,\"step\":100,"
                + "\"specHash\":\"spec\",\"files\":[");
        String sep = "";
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            local.put(PREFIX + e.getKey(), e.getValue());
            json.append(sep).append("{\"name\":\"").append(e.getKey()).append("\",\"size\":").append(e.getValue().length)
                    .append(",\"sha256\":\"").append(Manifest.sha256(e.getValue())).append("\"}");
            sep = ",";
        }
        local.put(PREFIX + Manifest.FILE_NAME, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(files.get("state.json"), new CheckpointStore(local).read(PREFIX).get("state.json"));
    }
}
