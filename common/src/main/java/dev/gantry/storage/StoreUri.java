package dev.gantry.storage;

import java.nio.file.Path;

/**
 * A place to read or write objects, given as "s3://bucket/prefix" or a local directory path.
 *
 * @param bucket null for local paths
 * @param prefix key prefix inside the bucket ("" or ending in '/'); for local paths ""
 * @param localRoot the directory for local paths, null for S3
 */
public record StoreUri(String bucket, String prefix, Path localRoot) {
    public static StoreUri parse(String text) {
        if (text.startsWith("s3://")) {
            String rest = text.substring(5);
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1);
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new StorageException(text + ": '" + bucket + "' is not a valid S3 bucket name");
            }
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
            return new StoreUri(bucket, prefix, null);
        }
        return new StoreUri(null, "", Path.of(text));
    }

    public boolean isS3() {
        return bucket != null;
    }

    /** Opens the store this URI points into; S3 settings come from the environment. */
    public ObjectStore open() {
        return isS3() ? new S3ObjectStore(S3Settings.fromEnvironment(), bucket) : new LocalObjectStore(localRoot);
    }
}
