package dev.gantry.storage;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach an S3-compatible service, validated in one place. Read from the environment:
 * GANTRY_S3_ENDPOINT (e.g. http://minio:9000; unset for AWS), GANTRY_S3_REGION (default
 * us-east-1; AWS_REGION also works), GANTRY_S3_PATH_STYLE (true for MinIO and S3Mock; default true
 * when an endpoint is set), and credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or, when
 * those are unset, the AWS SDK's default chain (profiles, instance roles).
 */
public record S3Settings(Optional<URI> endpoint, String region, boolean pathStyle, Optional<String> accessKeyId,
        Optional<String> secretAccessKey) {

    public S3Settings {
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new StorageException("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
        }
        if (region.isBlank()) {
            throw new StorageException("GANTRY_S3_REGION must not be empty");
        }
    }

    public static S3Settings fromEnvironment() {
        return from(System.getenv());
    }

    static S3Settings from(Map<String, String> env) {
        Optional<URI> endpoint = value(env, "GANTRY_S3_ENDPOINT").map(v -> {
            URI uri = URI.create(v);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new StorageException("GANTRY_S3_ENDPOINT=" + v + " is not a URL like http://host:9000");
            }
            return uri;
        });
        String region = value(env, "GANTRY_S3_REGION").or(() -> value(env, "AWS_REGION")).orElse("us-east-1");
        String pathStyleValue = value(env, "GANTRY_S3_PATH_STYLE").orElse(endpoint.isPresent() ? "true" : "false");
        if (!pathStyleValue.equals("true") && !pathStyleValue.equals("false")) {
            throw new StorageException("GANTRY_S3_PATH_STYLE=" + pathStyleValue + " must be true or false");
        }
        return new S3Settings(endpoint, region, Boolean.parseBoolean(pathStyleValue), value(env, "AWS_ACCESS_KEY_ID"),
                value(env, "AWS_SECRET_ACCESS_KEY"));
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }
}
