package dev.gantry.checkpoint;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checkpoint as a local directory: the objects, then MANIFEST.json as the commit point. Each
 * file is written to a temporary name and renamed, so a crash leaves either no manifest (no
 * checkpoint) or a complete one; an existing manifest is never overwritten.
 */
public final class CheckpointDirectory {
    private CheckpointDirectory() {}

    /** Writes and commits; returns the manifest. Fails if {@code dir} already holds a committed checkpoint. */
    public static Manifest write(Path dir, long step, String specHash, Map<String, byte[]> files) {
        Path manifestPath = dir.resolve(Manifest.FILE_NAME);
        if (Files.exists(manifestPath)) {
            throw new CheckpointException(dir + ": already holds a committed checkpoint; choose another --out directory");
        }
        Manifest manifest = Manifest.describe(step, specHash, files);
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                writeAtomically(dir.resolve(e.getKey()), e.getValue(), true);
            }
            writeAtomically(manifestPath, manifest.toJson(), false);
        } catch (FileAlreadyExistsException e) {
            throw new CheckpointException(dir + ": another writer committed this checkpoint first", e);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
        return manifest;
    }

    /** Reads the manifest and every object it lists, verifying sizes and SHA-256. */
    public static Map<String, byte[]> read(Path dir) {
        Path manifestPath = dir.resolve(Manifest.FILE_NAME);
        Manifest manifest;
        try {
            manifest = Manifest.parse(Files.readAllBytes(manifestPath), dir.toString());
        } catch (NoSuchFileException e) {
            throw new CheckpointException(dir + ": no " + Manifest.FILE_NAME + " (not a checkpoint, or never committed)");
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot read " + Manifest.FILE_NAME + " (" + e.getMessage() + ")", e);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Manifest.Entry entry : manifest.files()) {
            try {
                files.put(entry.name(), Files.readAllBytes(dir.resolve(entry.name())));
            } catch (IOException e) {
                throw new CheckpointException(dir + ": cannot read " + entry.name() + " (" + e.getMessage() + ")", e);
            }
        }
        manifest.verify(files, dir.toString());
        return files;
    }

    private static void writeAtomically(Path target, byte[] bytes, boolean replace) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.write(tmp, bytes);
        try {
            if (replace) {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // A hard link fails if the target exists: first writer wins, like If-None-Match: *.
                Files.createLink(target, tmp);
                Files.delete(tmp);
            }
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
