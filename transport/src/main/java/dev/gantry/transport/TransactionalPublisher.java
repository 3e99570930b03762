package dev.gantry.transport;

import com.google.protobuf.Message;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTxnStateException;
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

    private final KafkaSettings settings;
    private final String transactionalId;
    private KafkaProducer<String, byte[]> producer;

    /** Creates the producer and fences every earlier one with the same id (aborting its open transaction). */
    public TransactionalPublisher(KafkaSettings settings, String transactionalId) {
        this.settings = settings;
        this.transactionalId = transactionalId;
        producer = start();
    }

    private KafkaProducer<String, byte[]> start() {
        KafkaProducer<String, byte[]> p = new KafkaProducer<>(settings.properties(Map.of(
                "client.id", transactionalId,
                "transactional.id", transactionalId,
                "acks", "all",
                "enable.idempotence", "true",
                "linger.ms", "5",
                "max.block.ms", "60000",
                "transaction.timeout.ms", "60000",
                "delivery.timeout.ms", "120000")), new StringSerializer(), new ByteArraySerializer());
        try {
            p.initTransactions();
            return p;
        } catch (ProducerFencedException e) {
            p.close(Duration.ZERO);
            throw new FencedException("another coordinator (transactional id " + transactionalId + ") took over", e);
        } catch (KafkaException e) {
            p.close(Duration.ZERO);
            throw new TransportException("cannot start Kafka transactions as " + transactionalId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends {@code outputs} and commits {@code offsets} for {@code group} atomically. On any
     * failure the transaction is abandoned and the exception thrown: nothing of the batch is
     * visible to read-committed readers (or, if a timed-out commit did go through, all of it is),
     * and the caller reads its inputs again from the committed offsets. The producer is then
     * replaced by a fresh one: its initTransactions settles whatever the old one left open, which
     * also covers errors after which Kafka allows no abort (a timed-out commit, a fatal error).
     */
    public void commit(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        try {
            producer.beginTransaction();
            for (Output o : outputs) {
                producer.send(new ProducerRecord<>(o.topic(), o.key(), o.message().toByteArray()));
            }
            producer.sendOffsetsToTransaction(offsets, group);
            producer.commitTransaction();
        } catch (ProducerFencedException e) {
            throw new FencedException("another coordinator (transactional id " + transactionalId + ") took over", e);
        } catch (InvalidTxnStateException e) {
            // The broker had already ended this transaction: a newer producer's initTransactions
            // aborted it (seen with Kafka 4.4 when a second coordinator started while this one's
            // commit was in flight), or its timeout did, after which the epoch is bumped and the next
            // operation is fenced anyway. Restarting here would run initTransactions and fence the
            // newer coordinator back, so that two would take turns writing.
            throw new FencedException("another coordinator (transactional id " + transactionalId
                    + ") took over: the broker had ended this coordinator's transaction", e);
        } catch (KafkaException | IllegalStateException e) {
            restart();
            throw new TransportException("transaction of " + outputs.size() + " outputs abandoned: " + e.getMessage(), e);
        }
    }

    private void restart() {
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException ignored) {
            // the old producer is being discarded either way
        }
        producer = start();
    }

    @Override
    public void close() {
        producer.close();
    }
}
