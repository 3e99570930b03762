package dev.gantry.transport;

import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Consume-transform-produce in one Kafka transaction: a batch's outputs and the input offsets
 * that produced them commit together or not at all. Its fixed {@code transactional.id} fences
 * any other producer with the same id: starting a second coordinator makes the first one's next
 * commit fail with {@link FencedException}, so two never write at once.
 */
public final class TransactionalPublisher implements AutoCloseable {
    /** One output record. */
    public record Output(String topic, String key, Message message) {}

    /** Another producer with this transactional id took over: stop, write nothing more. */
    public static final class FencedException extends TransportException {
        FencedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final KafkaProducer<String, byte[]> producer;
    private final String transactionalId;

    /** Creates the producer and fences every earlier one with the same id (aborting its open transaction). */
    public TransactionalPublisher(KafkaSettings settings, String transactionalId) {
        this.transactionalId = transactionalId;
        producer = new KafkaProducer<>(settings.properties(Map.of(
                "client.id", transactionalId,
                "transactional.id", transactionalId,
                "acks", "all",
                "enable.idempotence", "true",
                "linger.ms", "5",
                "max.block.ms", "60000",
                "transaction.timeout.ms", "60000",
                "delivery.timeout.ms", "120000")), new StringSerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
        } catch (KafkaException e) {
            producer.close();
            throw new TransportException("cannot start Kafka transactions as " + transactionalId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends {@code outputs} and commits {@code offsets} for {@code group} atomically. On any
     * failure the transaction is aborted and the exception thrown: nothing of the batch is visible
     * to read-committed readers, and the inputs will be read again.
     */
    public void commit(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        try {
            producer.beginTransaction();
            for (Output o : outputs) {
                producer.send(new ProducerRecord<>(o.topic(), o.key(), o.message().toByteArray()));
            }
            producer.sendOffsetsToTransaction(offsets, group);
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new FencedException("another coordinator (transactional id " + transactionalId + ") took over", e);
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw new TransportException("transaction of " + outputs.size() + " outputs aborted: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
