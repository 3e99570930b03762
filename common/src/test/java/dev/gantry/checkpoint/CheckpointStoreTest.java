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

    /** Every object upload waits until all of them have started: passes only when they run at the same time. */
    private static final class ParallelCheckingStore implements ObjectStore {
        private final ObjectStore inner;
        private final java.util.concurrent.CountDownLatch allStarted;
        private volatile boolean overlapped = true;
        private volatile List<String> presentAtCommit;

        ParallelCheckingStore(ObjectStore inner, int objects) {
            this.inner = inner;
            this.allStarted = new java.util.concurrent.CountDownLatch(objects);
        }

        @Override
        public void put(String key, byte[] bytes) {
            allStarted.countDown();
            try {
                // The bound only keeps a broken (sequential) commit from hanging the test.
                overlapped &= allStarted.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inner.put(key, bytes);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] bytes) {
            presentAtCommit = inner.list("");
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
    void aParallelCommitUploadsTogetherAndCreatesTheManifestOnlyAfterEveryObject() throws Exception {
        ObjectStore local = new LocalObjectStore(dir);
        ParallelCheckingStore store = new ParallelCheckingStore(local, 2);
        java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            CheckpointStore.Committed c = new CheckpointStore(store).commit(PREFIX, 100, "spec", files("a"), io);
            assertEquals(CheckpointStore.Outcome.COMMITTED, c.outcome());
            assertTrue(store.overlapped, "the objects uploaded at the same time");
            assertEquals(2, store.presentAtCommit.size(), "both objects were stored before the manifest was created: "
                    + store.presentAtCommit);
            assertEquals(Manifest.sha256(local.get(PREFIX + Manifest.FILE_NAME).orElseThrow()), c.manifestSha256());
            assertTrue(c.ourBytes());
        } finally {
            io.shutdownNow();
        }
    }

    @Test
    void aParallelCommitThatLosesNamesTheWinnersManifestAndWhetherItHoldsTheSameBytes() throws Exception {
        ObjectStore local = new LocalObjectStore(dir);
        java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            assertEquals(CheckpointStore.Outcome.COMMITTED, new CheckpointStore(local).commit(PREFIX, 100, "spec",
                    files("gpu")));
            String winner = Manifest.sha256(local.get(PREFIX + Manifest.FILE_NAME).orElseThrow());
            CheckpointStore.Committed other = new CheckpointStore(local).commit(PREFIX, 100, "spec", files("cpu"), io);
            assertEquals(CheckpointStore.Outcome.ALREADY_COMMITTED, other.outcome());
            assertEquals(winner, other.manifestSha256(), "the event names the committed manifest");
            assertFalse(other.ourBytes(), "other bytes: what the loser holds is not the checkpoint");
            assertEquals(3, local.list(PREFIX).size(), "the loser's own objects are collected: two files and the manifest");
            CheckpointStore.Committed same = new CheckpointStore(local).commit(PREFIX, 100, "spec", files("gpu"), io);
            assertEquals(CheckpointStore.Outcome.ALREADY_COMMITTED, same.outcome());
            assertEquals(winner, same.manifestSha256());
            assertTrue(same.ourBytes(), "the same bytes: the writer's state is the checkpoint");
            assertArrayEquals(files("gpu").get("model.safetensors"), new CheckpointStore(local).read(PREFIX)
                    .get("model.safetensors"));
        } finally {
            io.shutdownNow();
        }
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
    void aParallelReadGivesTheSameFilesAndTheSameErrors() throws Exception {
        ObjectStore local = new LocalObjectStore(dir);
        CheckpointStore store = new CheckpointStore(local);
        store.commit(PREFIX, 100, "spec", files("a"));
        java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            Map<String, byte[]> sequential = store.read(PREFIX);
            Map<String, byte[]> parallel = store.read(PREFIX, CheckpointStore.Expected.ANY, io);
            assertEquals(List.copyOf(sequential.keySet()), List.copyOf(parallel.keySet()), "in the manifest's order");
            sequential.forEach((name, bytes) -> assertArrayEquals(bytes, parallel.get(name), name));
            String model = local.list(PREFIX).stream().filter(k -> k.contains("model.")).findFirst().orElseThrow();
            local.delete(model);
            CheckpointException missing = assertThrows(CheckpointException.class,
                    () -> store.read(PREFIX, CheckpointStore.Expected.ANY, io), "the fetch's own exception, unwrapped");
            assertTrue(missing.getMessage().contains("model.safetensors") && missing.getMessage().contains("missing"),
                    missing.getMessage());
        } finally {
            io.shutdownNow();
        }
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
