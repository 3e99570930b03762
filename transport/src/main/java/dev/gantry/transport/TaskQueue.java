package dev.gantry.transport;

import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue of work shared by every member of a Kafka share group: each record goes to one member
 * at a time, which holds it under an acquisition lock until it acknowledges it. One record at a
 * time (a worker does one task at a time); not thread-safe, like the consumer it wraps.
 *
 * <ul>
 *   <li>{@link #done} (ACCEPT): finished, never delivered again;</li>
 *   <li>{@link #retryLater} (RELEASE): another delivery, up to the group's delivery limit;</li>
 *   <li>{@link #park} (REJECT): never delivered again (the caller publishes why);</li>
 *   <li>{@link #holdOn} (RENEW): extends the lock while a long task runs.</li>
 * </ul>
 */
public final class TaskQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskQueue.class);

    /** Does the work a record asks for and answers it (done, retryLater, park) before returning. */
    public interface Handler {
        void handle(ConsumerRecord<String, byte[]> record) throws InterruptedException;
    }

    private final KafkaShareConsumer<String, byte[]> consumer;
    private final String group;

    public TaskQueue(KafkaSettings settings, String group, Collection<String> topics, String clientId) {
        this.group = group;
        consumer = new KafkaShareConsumer<>(settings.properties(Map.of(
                "group.id", group,
                "client.id", clientId,
                "share.acknowledgement.mode", "explicit",
                "max.poll.records", "1",
                "share.acquire.mode", "record_limit")), new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(topics);
    }

    /** The next record, or empty if none arrived within {@code timeout}. */
    public Optional<ConsumerRecord<String, byte[]>> next(Duration timeout) {
        ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
        Iterator<ConsumerRecord<String, byte[]>> it = records.iterator();
        if (!it.hasNext()) {
            return Optional.empty();
        }
        ConsumerRecord<String, byte[]> first = it.next();
        // max.poll.records=1 with record_limit acquisition: never more than one. Give any extra back.
        while (it.hasNext()) {
            consumer.acknowledge(it.next(), AcknowledgeType.RELEASE);
        }
        return Optional.of(first);
    }

    /**
     * A worker's loop: one record at a time to {@code handler} until {@code stopping} is set. A
     * handler that fails with an unchecked exception (Kafka trouble mid-task, e.g. a lost lock)
     * has its record released for another delivery, and the loop goes on.
     */
    public void serve(AtomicBoolean stopping, Handler handler) throws InterruptedException {
        while (!stopping.get()) {
            Optional<ConsumerRecord<String, byte[]>> next = next(Duration.ofSeconds(1));
            if (next.isPresent()) {
                try {
                    handler.handle(next.get());
                } catch (RuntimeException e) {
                    log.error("task at {} abandoned: {}", Messages.where(next.get()), e.toString());
                    releaseQuietly(next.get());
                }
            }
        }
    }

    /** Explicit acknowledgement: every record must be answered before the next poll, even an abandoned one. */
    private void releaseQuietly(ConsumerRecord<String, byte[]> record) {
        try {
            retryLater(record);
        } catch (RuntimeException e) {
            log.warn("could not release {}: {}", Messages.where(record), e.toString());
        }
    }

    public void done(ConsumerRecord<String, byte[]> record) {
        acknowledge(record, AcknowledgeType.ACCEPT);
    }

    public void retryLater(ConsumerRecord<String, byte[]> record) {
        acknowledge(record, AcknowledgeType.RELEASE);
    }

    public void park(ConsumerRecord<String, byte[]> record) {
        acknowledge(record, AcknowledgeType.REJECT);
    }

    /**
     * Extends the acquisition lock of a record still being worked on. The consumer hands the
     * renewed record back on its next poll; this drains that poll so the caller keeps the one
     * record it already has.
     */
    public void holdOn(ConsumerRecord<String, byte[]> record) {
        acknowledge(record, AcknowledgeType.RENEW);
        ConsumerRecords<String, byte[]> again = consumer.poll(Duration.ZERO);
        for (ConsumerRecord<String, byte[]> r : again) {
            if (!(r.topic().equals(record.topic()) && r.partition() == record.partition() && r.offset() == record.offset())) {
                consumer.acknowledge(r, AcknowledgeType.RELEASE);
                consumer.commitSync(Duration.ofSeconds(30));
            }
        }
    }

    /** How long a record stays ours without renewal, as the broker told the consumer. */
    public Optional<Integer> lockTimeoutMs() {
        return consumer.acquisitionLockTimeoutMs();
    }

    private void acknowledge(ConsumerRecord<String, byte[]> record, AcknowledgeType type) {
        consumer.acknowledge(record, type);
        Map<TopicIdPartition, Optional<KafkaException>> result = consumer.commitSync(Duration.ofSeconds(30));
        for (Map.Entry<TopicIdPartition, Optional<KafkaException>> e : result.entrySet()) {
            if (e.getValue().isPresent()) {
                throw new TransportException(group + ": acknowledging " + Messages.where(record) + " as " + type
                        + " failed: " + e.getValue().get().getMessage(), e.getValue().get());
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(10));
    }
}
