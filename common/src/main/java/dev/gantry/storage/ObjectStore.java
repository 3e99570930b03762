package dev.gantry.storage;

import java.util.List;
import java.util.Optional;

/**
 * Flat key -> bytes storage: an S3-compatible bucket or a local directory. Keys use '/' as the
 * separator. {@link #putIfAbsent} is the commit primitive (S3's conditional PUT,
 * If-None-Match: *): of concurrent writers of one key, exactly one wins.
 */
public interface ObjectStore extends AutoCloseable {
    void put(String key, byte[] bytes);

    /** Writes only if nothing is stored under {@code key}; returns false when something already was. */
    boolean putIfAbsent(String key, byte[] bytes);

    Optional<byte[]> get(String key);

    /** Every key that starts with {@code prefix}, sorted. */
    List<String> list(String prefix);

    void delete(String key);

    /**
     * Copies the object at {@code fromKey} to {@code toKey} inside this store, replacing what is
     * there: server-side on S3 (the bytes never travel through this process), a hard link (or a
     * copy where links are not possible) in a directory store. The copy stays when the source is
     * deleted.
     *
     * @throws StorageException when the source does not exist or cannot be copied
     */
    default void copy(String fromKey, String toKey) {
        copyFrom(this, fromKey, toKey);
    }

    /**
     * {@link #copy} from another store: server-side between buckets of one S3 service, a hard link
     * between directory stores; otherwise the bytes are read and written.
     */
    default void copyFrom(ObjectStore source, String fromKey, String toKey) {
        put(toKey, source.get(fromKey).orElseThrow(() -> new StorageException(source.location() + ": cannot copy "
                + fromKey + ": no such object")));
    }

    /** Where this store is, for messages: "s3://bucket" or a directory. */
    String location();

    @Override
    default void close() {}
}
