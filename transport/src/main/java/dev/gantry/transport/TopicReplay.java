package dev.gantry.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reading topics from the beginning without a consumer group: how the coordinator rebuilds its
 * state, how the CLI's view of the cluster is built, how benchmarks collect events. Nothing is
 * committed, so any number of readers can replay at once.
 */
public final class TopicReplay {
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);

    private TopicReplay() {}

    /** A consumer assigned every partition of {@code topics}, each at its first offset. */
    public static KafkaConsumer<String, byte[]> fromBeginning(KafkaSettings settings, String clientId, List<String> topics) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.properties(Map.of(
                "client.id", clientId, "enable.auto.commit", "false",
                // the coordinator writes in transactions: never show an aborted or unfinished one
                "isolation.level", "read_committed")), new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic, METADATA_TIMEOUT)
                        .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /**
     * Hands {@code sink} every record from the consumer's positions up to the end offsets its
     * partitions have now: what was published before the call, not what arrives during it.
     */
    public static void toEnd(KafkaConsumer<String, byte[]> consumer, Consumer<ConsumerRecord<String, byte[]>> sink) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            consumer.poll(POLL).forEach(sink);
        }
    }

    /**
     * Adds every partition of {@code topics} to the consumer's assignment, each at its first record
     * published at or after {@code timestampMs} (at its end when there is none), keeping the
     * positions of the partitions it already reads. How a reader that needs only recent history of a
     * topic kept for ever skips the rest without reading it.
     */
    public static void extendFrom(KafkaConsumer<String, byte[]> consumer, List<String> topics, long timestampMs) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition p : consumer.assignment()) {
            positions.put(p, consumer.position(p));
        }
        Map<TopicPartition, Long> added = new HashMap<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic, METADATA_TIMEOUT)
                    .forEach(p -> added.put(new TopicPartition(p.topic(), p.partition()), Math.max(0, timestampMs)));
        }
        List<TopicPartition> all = new ArrayList<>(positions.keySet());
        all.addAll(added.keySet());
        consumer.assign(all);
        positions.forEach(consumer::seek);
        // The ends as they are now: a lazy seekToEnd, resolved at the first poll, would skip a record
        // published in between on a partition with nothing since the timestamp.
        Map<TopicPartition, Long> ends = consumer.endOffsets(added.keySet(), METADATA_TIMEOUT);
        Map<TopicPartition, OffsetAndTimestamp> found =
                consumer.offsetsForTimes(added, METADATA_TIMEOUT);
        for (TopicPartition p : added.keySet()) {
            OffsetAndTimestamp at = found.get(p);
            consumer.seek(p, at == null ? ends.get(p) : Math.min(at.offset(), ends.get(p)));
        }
    }

    /** {@link #fromBeginning} then {@link #toEnd}, closing the consumer. */
    public static void replay(KafkaSettings settings, String clientId, List<String> topics,
            Consumer<ConsumerRecord<String, byte[]>> sink) {
        try (KafkaConsumer<String, byte[]> consumer = fromBeginning(settings, clientId, topics)) {
            toEnd(consumer, sink);
        }
    }
}
