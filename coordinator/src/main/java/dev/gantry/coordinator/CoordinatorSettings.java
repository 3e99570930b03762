package dev.gantry.coordinator;

import dev.gantry.storage.S3Settings;
import dev.gantry.storage.StoreUri;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.TopicSetup;

/**
 * How the coordinator runs.
 *
 * @param storeRoot where experiments' checkpoints go: "s3://bucket/prefix/" or a directory
 */
public record CoordinatorSettings(KafkaSettings kafka, S3Settings s3, String storeRoot, TopicSetup.Layout layout) {
    public CoordinatorSettings {
        if (storeRoot == null || storeRoot.isBlank()) {
            throw new IllegalArgumentException("store: none given (--store s3://bucket/prefix or a directory)");
        }
        StoreUri.parse(storeRoot);  // rejects bad bucket names with a message that names the URI
    }
}
