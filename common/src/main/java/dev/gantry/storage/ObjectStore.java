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

    /** Where this store is, for messages: "s3://bucket" or a directory. */
    String location();

    @Override
    default void close() {}
}
