package dev.gantry.storage;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns checkpoint URIs ("s3://bucket/prefix/" or a directory) into an object store and a key
 * prefix, keeping one S3 client per bucket for the life of the worker.
 */
public final class Stores implements AutoCloseable {
    /** @param keyPrefix "" or ending in '/' */
    public record Location(ObjectStore store, String keyPrefix) {}

    private final S3Settings s3;
    private final Map<String, ObjectStore> buckets = new ConcurrentHashMap<>();

    public Stores(S3Settings s3) {
        this.s3 = s3;
    }

    public Location locate(String uri) {
        StoreUri parsed = StoreUri.parse(uri);
        if (parsed.isS3()) {
            return new Location(buckets.computeIfAbsent(parsed.bucket(), b -> new S3ObjectStore(s3, b)), parsed.prefix());
        }
        return new Location(new LocalObjectStore(Path.of(uri)), "");
    }

    @Override
    public void close() {
        buckets.values().forEach(ObjectStore::close);
    }
}
