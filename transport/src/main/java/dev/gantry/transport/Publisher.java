package dev.gantry.transport;

import com.google.protobuf.Message;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends protobuf messages, keyed by the id they concern. Idempotent producer with acks=all: a
 * message {@link #sendAndWait}ed for is on the broker's log, which the coordinator relies on
 * before it commits its consumer offsets. Thread-safe (progress reports come from the training
 * thread while the worker's main thread sends events).
 */
public final class Publisher implements AutoCloseable {
    private static final long SEND_TIMEOUT_SECONDS = 60;
    private final KafkaProducer<String, byte[]> producer;

    public Publisher(KafkaSettings settings, String clientId) {
        producer = new KafkaProducer<>(settings.properties(Map.of(
                "client.id", clientId,
                "acks", "all",
                "enable.idempotence", "true",
                "linger.ms", "0",
                "max.block.ms", "60000",
                "delivery.timeout.ms", "120000")), new StringSerializer(), new ByteArraySerializer());
    }

    public Future<RecordMetadata> send(String topic, String key, Message message) {
        return producer.send(new ProducerRecord<>(topic, key, message.toByteArray()));
    }

    /** Sends raw bytes (tests use it to put malformed records on a topic). */
    public Future<RecordMetadata> sendBytes(String topic, String key, byte[] value) {
        return producer.send(new ProducerRecord<>(topic, key, value));
    }

    public RecordMetadata sendAndWait(String topic, String key, Message message) {
        return await(send(topic, key, message), topic);
    }

    /** Waits until everything sent so far is acknowledged by the broker. */
    public void flush() {
        producer.flush();
    }

    static RecordMetadata await(Future<RecordMetadata> future, String topic) {
        try {
            return future.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new TransportException("publishing to " + topic + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new TransportException("publishing to " + topic + ": no answer from Kafka in " + SEND_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while publishing to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
