package dev.gantry.checkpoint;

import dev.gantry.concurrent.Futures;
import dev.gantry.storage.ObjectStore;
import dev.gantry.storage.StorageException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint commit protocol over any {@link ObjectStore}: upload every object under the
 * checkpoint's prefix, then create MANIFEST.json with a conditional write. The manifest is the
 * commit point. In a shared store each file's object is named after its hash, so a second writer
 * of the same checkpoint (a redelivered task, perhaps on another CPU whose bytes differ) never
 * overwrites an object the first one's manifest lists: whoever creates the manifest wins, and the
 * loser removes its own objects that the winner does not list.
 */
public final class CheckpointStore {
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);

    /** What a commit did. */
    public enum Outcome { COMMITTED, ALREADY_COMMITTED }

    /** What a reader expects of a checkpoint it was pointed at; blank/negative fields are not checked. */
    public record Expected(long step, String specHash, String manifestSha256) {
        public static final Expected ANY = new Expected(-1, "", "");
    }

    private final ObjectStore store;
    private final boolean contentAddressed;

    /** A shared store: objects named after their content. */
    public CheckpointStore(ObjectStore store) {
        this(store, true);
    }

    private CheckpointStore(ObjectStore store, boolean contentAddressed) {
        this.store = store;
        this.contentAddressed = contentAddressed;
    }

    /** A store with one writer (a local checkpoint directory): objects keep their file names. */
    public static CheckpointStore singleWriter(ObjectStore store) {
        return new CheckpointStore(store, false);
    }

    /** @param prefix the checkpoint's key prefix, "" or ending in '/' */
    public Outcome commit(String prefix, long step, String specHash, Map<String, byte[]> files) {
        try {
            return commit(prefix, step, specHash, files, Runnable::run).outcome();
        } catch (InterruptedException e) {
            throw new IllegalStateException("a commit on the calling thread cannot wait", e);
        }
    }

    /**
     * What a commit did and which manifest is the checkpoint now.
     *
     * @param manifestSha256 the SHA-256 of the committed manifest (the one a task naming this
     *     checkpoint carries), ours or the winner's
     * @param ourBytes whether the committed manifest lists exactly the bytes this writer gave: then
     *     what the writer holds in memory is the checkpoint, bit for bit
     */
    public record Committed(Outcome outcome, String manifestSha256, boolean ourBytes) {}

    /**
     * The commit protocol with the slow parts on {@code io}: the "already committed?" check and
     * every object's upload run at the same time, and the manifest is created only after all of
     * them have finished, so the order that makes the manifest the commit point is kept. A caller
     * interrupted while waiting writes no manifest (objects already uploaded are unlisted, as after
     * a crash).
     *
     * @param prefix the checkpoint's key prefix, "" or ending in '/'
     */
    public Committed commit(String prefix, long step, String specHash, Map<String, byte[]> files, Executor io)
            throws InterruptedException {
        Manifest manifest = Manifest.describe(step, specHash, files, contentAddressed);
        byte[] ours = manifest.toJson();
        // Checking first (on a direct executor: before any upload) keeps the single-threaded order of old.
        CompletableFuture<Boolean> committed = CompletableFuture.supplyAsync(
                () -> isCommittedAndSound(prefix, new Expected(step, specHash, "")), io);
        List<CompletableFuture<Void>> uploads = new ArrayList<>();
        // Known committed before uploading (always known on a direct executor): nothing to upload.
        if (!(committed.isDone() && Futures.get(committed))) {
            for (Manifest.Entry e : manifest.files()) {
                uploads.add(CompletableFuture.runAsync(() -> store.put(prefix + e.object(), files.get(e.name())), io));
            }
        }
        Futures.get(committed);
        for (CompletableFuture<Void> upload : uploads) {
            Futures.get(upload);
        }
        if (!committed.join() && store.putIfAbsent(prefix + Manifest.FILE_NAME, ours)) {
            return new Committed(Outcome.COMMITTED, Manifest.sha256(ours), true);
        }
        byte[] winnerBytes = store.get(prefix + Manifest.FILE_NAME).orElseThrow(() -> new StorageException(
                store.location() + "/" + prefix + ": the manifest vanished right after it was found committed"));
        Manifest winner = Manifest.parse(winnerBytes, store.location() + "/" + prefix);
        if (!uploads.isEmpty()) {
            Set<String> listed = new HashSet<>();
            winner.files().forEach(e -> listed.add(e.object()));
            for (Manifest.Entry e : manifest.files()) {
                if (!listed.contains(e.object())) {
                    store.delete(prefix + e.object());
                }
            }
        }
        boolean same = winner.sameContents(manifest);
        if (!same) {
            log.info("{}{}: already committed by another writer with other bytes; theirs is the checkpoint",
                    store.location(), prefix);
        }
        return new Committed(Outcome.ALREADY_COMMITTED, Manifest.sha256(winnerBytes), same);
    }

    /**
     * Moves a corrupt checkpoint's manifest aside (MANIFEST.json.quarantined-HASH), so the
     * checkpoint no longer exists and the next writer commits it anew; the bytes stay for a person
     * to look at until retention removes the directory.
     */
    public void quarantine(String prefix, String manifestSha256, CheckpointException why) {
        Optional<byte[]> current = store.get(prefix + Manifest.FILE_NAME);
        if (current.isEmpty() || !Manifest.sha256(current.get()).equals(manifestSha256)) {
            // Another writer quarantined it and committed a sound one meanwhile: that one stays.
            log.info("{}{}: manifest changed since it failed verification; left alone", store.location(), prefix);
            return;
        }
        store.put(prefix + Manifest.FILE_NAME + ".quarantined-" + manifestSha256.substring(0, 12), current.get());
        store.delete(prefix + Manifest.FILE_NAME);
        log.warn("{}{}: quarantined ({})", store.location(), prefix, why.getMessage());
    }

    /**
     * Whether the checkpoint is committed and every object verifies against its manifest (and the
     * manifest is the expected one). A committed but corrupt or foreign checkpoint is quarantined,
     * so that it is computed again instead of announced again.
     */
    public boolean isCommittedAndSound(String prefix, Expected expected) {
        Optional<byte[]> manifest = store.get(prefix + Manifest.FILE_NAME);
        if (manifest.isEmpty()) {
            return false;
        }
        try {
            read(prefix, expected);
            return true;
        } catch (UnsupportedFormatException newer) {
            return true;  // committed by a newer gantry: not ours to judge, never to un-commit
        } catch (CheckpointException corrupt) {
            quarantine(prefix, Manifest.sha256(manifest.get()), corrupt);
            return false;
        }
    }

    public boolean exists(String prefix) {
        return store.get(prefix + Manifest.FILE_NAME).isPresent();
    }

    /** Reads and verifies every object the manifest lists; returns the files by name. */
    public Map<String, byte[]> read(String prefix) {
        return read(prefix, Expected.ANY);
    }

    /**
     * Reads and verifies every object the manifest lists, after checking the manifest is the one
     * the reader was pointed at: its hash, step and spec hash, where given.
     */
    public Map<String, byte[]> read(String prefix, Expected expected) {
        try {
            return read(prefix, expected, Runnable::run);
        } catch (InterruptedException e) {
            throw new IllegalStateException("a direct executor never waits", e);
        }
    }

    /**
     * {@link #read(String, Expected)} with the objects fetched at the same time on {@code io}, after
     * the manifest (which names them) has been read and checked.
     */
    public Map<String, byte[]> read(String prefix, Expected expected, Executor io) throws InterruptedException {
        String where = trim(store.location() + "/" + prefix);
        byte[] manifestBytes = store.get(prefix + Manifest.FILE_NAME).orElseThrow(() -> new CheckpointException(
                where + ": no " + Manifest.FILE_NAME + " (not a checkpoint, or never committed)"));
        if (!expected.manifestSha256().isBlank() && !expected.manifestSha256().equals(Manifest.sha256(manifestBytes))) {
            throw new CheckpointException(where + ": its manifest is not the one committed for this task (SHA-256 "
                    + Manifest.sha256(manifestBytes) + ", expected " + expected.manifestSha256() + ")");
        }
        Manifest manifest = Manifest.parse(manifestBytes, where);
        if (expected.step() >= 0 && manifest.step() != expected.step()) {
            throw new CheckpointException(where + ": holds step " + manifest.step() + ", expected " + expected.step());
        }
        if (!expected.specHash().isBlank() && !manifest.specHash().equals(expected.specHash())) {
            throw new CheckpointException(where + ": belongs to another trajectory (spec hash " + manifest.specHash()
                    + ", expected " + expected.specHash() + ")");
        }
        Map<String, CompletableFuture<byte[]>> fetches = new LinkedHashMap<>();
        for (Manifest.Entry entry : manifest.files()) {
            fetches.put(entry.name(), CompletableFuture.supplyAsync(() -> store.get(prefix + entry.object())
                    .orElseThrow(() -> new CheckpointException(where + ": " + entry.name() + " (" + entry.object()
                            + ") is listed in the manifest but missing")), io));
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<byte[]>> fetch : fetches.entrySet()) {
            files.put(fetch.getKey(), Futures.get(fetch.getValue()));
        }
        manifest.verify(files, where);
        return files;
    }

    private static String trim(String where) {
        return where.endsWith("/") ? where.substring(0, where.length() - 1) : where;
    }
}
