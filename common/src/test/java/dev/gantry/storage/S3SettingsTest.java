package dev.gantry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class S3SettingsTest {
    @Test
    void endpointImpliesPathStyleAndRegionFallsBack() {
        S3Settings minio = S3Settings.from(Map.of("GANTRY_S3_ENDPOINT", "http://minio:9000", "AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "k", "AWS_SECRET_ACCESS_KEY", "s"));
        assertTrue(minio.pathStyle());
        assertEquals("eu-west-1", minio.region());
        S3Settings aws = S3Settings.from(Map.of());
        assertFalse(aws.pathStyle());
        assertEquals("us-east-1", aws.region());
        assertTrue(aws.endpoint().isEmpty() && aws.accessKeyId().isEmpty());
    }

    @Test
    void badValuesNameTheVariable() {
        StorageException url = assertThrows(StorageException.class,
                () -> S3Settings.from(Map.of("GANTRY_S3_ENDPOINT", "minio:9000")));
        assertTrue(url.getMessage().startsWith("GANTRY_S3_ENDPOINT=minio:9000"), url.getMessage());
        StorageException style = assertThrows(StorageException.class,
                () -> S3Settings.from(Map.of("GANTRY_S3_PATH_STYLE", "yes")));
        assertTrue(style.getMessage().contains("GANTRY_S3_PATH_STYLE"), style.getMessage());
        StorageException half = assertThrows(StorageException.class,
                () -> S3Settings.from(Map.of("AWS_ACCESS_KEY_ID", "k")));
        assertTrue(half.getMessage().contains("must be set together"), half.getMessage());
    }

    @Test
    void storeUrisSplitBucketAndPrefix() {
        StoreUri uri = StoreUri.parse("s3://my-bucket/data/fmnist");
        assertEquals("my-bucket", uri.bucket());
        assertEquals("data/fmnist/", uri.prefix());
        assertFalse(StoreUri.parse("/tmp/images").isS3());
        assertThrows(StorageException.class, () -> StoreUri.parse("s3://Bad_Bucket/x"));
    }
}
