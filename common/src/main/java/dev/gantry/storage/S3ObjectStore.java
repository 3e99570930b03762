package dev.gantry.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** One bucket of an S3-compatible service (AWS S3, MinIO, S3Mock) through the AWS SDK v2. */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client client;
    private final String bucket;
    /** The service (endpoint override, or the region's AWS endpoint): server-side copies stay within one. */
    private final String endpoint;

    public S3ObjectStore(S3Settings settings, String bucket) {
        this.bucket = bucket;
        this.endpoint = settings.endpoint().map(Object::toString).orElse("aws:" + settings.region());
        S3ClientBuilder builder = S3Client.builder().region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle());
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (settings.accessKeyId().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.accessKeyId().get(), settings.secretAccessKey().get())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        this.client = builder.build();
    }

    @Override
    public void put(String key, byte[] bytes) {
        try {
            client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes) {
        try {
            client.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(bytes));
            return true;
        } catch (S3Exception e) {
            // 412 Precondition Failed: the key exists; 409: a concurrent conditional write is in flight
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw failure("write", key, e);
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(client.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        try {
            String token = null;
            do {
                ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
                if (token != null) {
                    request.continuationToken(token);
                }
                ListObjectsV2Response response = client.listObjectsV2(request.build());
                for (S3Object object : response.contents()) {
                    keys.add(object.key());
                }
                token = Boolean.TRUE.equals(response.isTruncated()) ? response.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw failure("list", prefix, e);
        }
        keys.sort(null);
        return keys;
    }

    /** CopyObject: the bucket copies the bytes itself (objects up to 5 GB, far above a checkpoint's). */
    @Override
    public void copyFrom(ObjectStore from, String fromKey, String toKey) {
        if (!(from instanceof S3ObjectStore other) || !other.endpoint.equals(endpoint)) {
            ObjectStore.super.copyFrom(from, fromKey, toKey);
            return;
        }
        try {
            client.copyObject(b -> b.sourceBucket(other.bucket).sourceKey(fromKey).destinationBucket(bucket)
                    .destinationKey(toKey));
        } catch (SdkException e) {
            throw failure("copy " + fromKey + " to", toKey, e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            client.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /** Creates the bucket if it does not exist (local mode and tests; production buckets are provisioned). */
    public void createBucketIfMissing() {
        try {
            client.headBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("check bucket", "", e);
            }
            client.createBucket(b -> b.bucket(bucket));
        }
    }

    @Override
    public String location() {
        return "s3://" + bucket;
    }

    @Override
    public void close() {
        client.close();
    }

    private StorageException failure(String action, String key, SdkException e) {
        return new StorageException(location() + ": cannot " + action + " " + key + " (" + e.getMessage() + ")", e);
    }
}
