package dev.gantry.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory. Writes go to a temporary file first and are renamed
 * into place, so readers never see half an object; putIfAbsent links the temporary file to the
 * key, which fails if the key exists (the first writer wins, like If-None-Match: *).
 */
public final class LocalObjectStore implements ObjectStore {
    private final Path root;

    public LocalObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public void put(String key, byte[] bytes) {
        Path target = resolve(key);
        try {
            Path tmp = temporary(target, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(target.getParent());
        } catch (IOException e) {
            throw new StorageException(location() + ": cannot write " + key + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes) {
        Path target = resolve(key);
        Path tmp = null;
        try {
            tmp = temporary(target, bytes);
            Files.createLink(target, tmp);
            syncDirectory(target.getParent());
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new StorageException(location() + ": cannot write " + key + " (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a stray temporary file is harmless: it never matches a key
                }
            }
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        Path path = resolve(key);
        if (Files.isDirectory(path)) {
            return Optional.empty();  // a key prefix, as on S3: no object of that name
        }
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException(location() + ": cannot read " + key + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace(java.io.File.separatorChar, '/'))
                    .filter(k -> k.startsWith(prefix) && !k.contains(".tmp-"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new StorageException(location() + ": cannot list " + prefix + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A hard link to the source's file, put in place atomically (objects are never modified in
     * place: writes replace the directory entry, so the link keeps the bytes it was made with).
     * Falls back to a copy where the file system cannot link (another device).
     */
    @Override
    public void copyFrom(ObjectStore from, String fromKey, String toKey) {
        if (!(from instanceof LocalObjectStore local)) {
            ObjectStore.super.copyFrom(from, fromKey, toKey);
            return;
        }
        Path source = local.resolve(fromKey);
        Path target = resolve(toKey);
        if (!Files.isRegularFile(source)) {
            throw new StorageException(from.location() + ": cannot copy " + fromKey + ": no such object");
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
            try {
                Files.createLink(tmp, source);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(source, tmp);
                try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(target.getParent());
        } catch (IOException e) {
            throw new StorageException(location() + ": cannot copy " + fromKey + " to " + toKey + " (" + e.getMessage()
                    + ")", e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(resolve(key));
        } catch (IOException e) {
            throw new StorageException(location() + ": cannot delete " + key + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String location() {
        return root.toString();
    }

    private Path resolve(String key) {
        Path p = root.resolve(key).normalize();
        if (key.isEmpty() || !p.startsWith(root) || p.equals(root)) {
            throw new StorageException(location() + ": key '" + key + "' is outside the store");
        }
        return p;
    }

    /**
     * The bytes in a uniquely named temporary file beside the target, forced to disk before the
     * caller links or moves it into place: a manifest must never point at data a crash can lose.
     * The name is random because containers sharing a volume all run as pid 1.
     */
    private static Path temporary(Path target, byte[] bytes) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        return tmp;
    }

    /** Makes a new directory entry durable (Linux: fsync on the directory). */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the file itself was synced.
        }
    }
}
