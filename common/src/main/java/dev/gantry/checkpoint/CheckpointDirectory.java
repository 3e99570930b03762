package dev.gantry.checkpoint;

import dev.gantry.storage.LocalObjectStore;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint as a local directory (the objects plus MANIFEST.json), for the single-process
 * commands. Same commit protocol as object stores; an existing checkpoint is never overwritten.
 */
public final class CheckpointDirectory {
    private CheckpointDirectory() {}

    /** Writes and commits; fails if {@code dir} already holds a committed checkpoint. */
    public static void write(Path dir, long step, String specHash, Map<String, byte[]> files) {
        CheckpointStore store = CheckpointStore.singleWriter(new LocalObjectStore(dir));
        if (store.exists("")) {
            throw new CheckpointException(dir + ": already holds a committed checkpoint; choose another --out directory");
        }
        if (store.commit("", step, specHash, files) != CheckpointStore.Outcome.COMMITTED) {
            throw new CheckpointException(dir + ": another writer committed this checkpoint first");
        }
    }

    /** Reads the manifest and every object it lists, verifying sizes and SHA-256. */
    public static Map<String, byte[]> read(Path dir) {
        return CheckpointStore.singleWriter(new LocalObjectStore(dir)).read("");
    }
}
