package dev.gantry.checkpoint;

import dev.gantry.storage.ObjectStore;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoint commit protocol over any {@link ObjectStore}: upload every object under the
 * checkpoint's prefix, then create MANIFEST.json with a conditional write. The manifest is the
 * commit point. A second writer of the same checkpoint (a redelivered task) finds the manifest
 * present; since training is deterministic its objects are identical, and the commit counts as
 * already done.
 */
public final class CheckpointStore {
    /** What a commit did. */
    public enum Outcome { COMMITTED, ALREADY_COMMITTED }

    private final ObjectStore store;

    public CheckpointStore(ObjectStore store) {
        this.store = store;
    }

    /** @param prefix the checkpoint's key prefix, "" or ending in '/' */
    public Outcome commit(String prefix, long step, String specHash, Map<String, byte[]> files) {
        Manifest manifest = Manifest.describe(step, specHash, files);
        if (store.get(prefix + Manifest.FILE_NAME).isPresent()) {
            return existing(prefix, manifest);
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            store.put(prefix + e.getKey(), e.getValue());
        }
        if (store.putIfAbsent(prefix + Manifest.FILE_NAME, manifest.toJson())) {
            return Outcome.COMMITTED;
        }
        return existing(prefix, manifest);
    }

    public boolean exists(String prefix) {
        return store.get(prefix + Manifest.FILE_NAME).isPresent();
    }

    /** Reads and verifies every object the manifest lists. */
    public Map<String, byte[]> read(String prefix) {
        String where = store.location() + "/" + prefix;
        byte[] manifestBytes = store.get(prefix + Manifest.FILE_NAME).orElseThrow(() -> new CheckpointException(
                trim(where) + ": no " + Manifest.FILE_NAME + " (not a checkpoint, or never committed)"));
        Manifest manifest = Manifest.parse(manifestBytes, trim(where));
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Manifest.Entry entry : manifest.files()) {
            files.put(entry.name(), store.get(prefix + entry.name()).orElseThrow(() -> new CheckpointException(
                    trim(where) + ": " + entry.name() + " is listed in the manifest but missing")));
        }
        manifest.verify(files, trim(where));
        return files;
    }

    /** A manifest already exists: identical content is a completed duplicate, anything else a conflict. */
    private Outcome existing(String prefix, Manifest ours) {
        Manifest theirs = Manifest.parse(store.get(prefix + Manifest.FILE_NAME).orElseThrow(),
                store.location() + "/" + prefix);
        if (!theirs.files().equals(ours.files())) {
            throw new CheckpointException(trim(store.location() + "/" + prefix) + ": already committed with different "
                    + "contents (step " + theirs.step() + "); this writer's state differs from the committed one");
        }
        return Outcome.ALREADY_COMMITTED;
    }

    private static String trim(String where) {
        return where.endsWith("/") ? where.substring(0, where.length() - 1) : where;
    }
}
