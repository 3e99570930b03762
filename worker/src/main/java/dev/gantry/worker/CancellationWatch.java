package dev.gantry.worker;

import dev.gantry.proto.v1.TrialState;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.Messages;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.Topics;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which trials have been cancelled, followed on the compacted trial-state topic by a thread of its
 * own. A training worker asks between steps, so that `gantry cancel` frees a GPU within a step
 * instead of after the rest of a segment, and a task of a cancelled trial still in the queue is
 * dropped without loading anything.
 */
final class CancellationWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CancellationWatch.class);

    /**
     * The most recently cancelled trials, bounded: the compacted topic keeps every cancellation ever
     * made, and a worker that runs for months must not hold them all. A queued task of a trial
     * cancelled longer ago than this window runs its segment, whose result the coordinator ignores.
     */
    static final int REMEMBERED = 100_000;
    private final Set<String> cancelled = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<String, Boolean>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean closing;

    CancellationWatch(KafkaSettings kafka, String workerId) {
        consumer = TopicReplay.fromBeginning(kafka, workerId + "-cancellations", List.of(Topics.TRIAL_STATE));
        thread = new Thread(this::follow, "cancellation-watch");
        thread.setDaemon(true);
        thread.start();
    }

    boolean isCancelled(String trialId) {
        return cancelled.contains(trialId);
    }

    private void follow() {
        try {
            while (!closing) {
                consumer.poll(Duration.ofMillis(500)).forEach(this::accept);
            }
        } catch (WakeupException e) {
            // close() woke the poll
        } catch (RuntimeException e) {
            log.error("cancellation watch stopped; cancelled segments will run to their end: {}", e.getMessage());
        } finally {
            consumer.close();
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            cancelled.remove(record.key());
            return;
        }
        try {
            TrialState state = Messages.decode(record, TrialState.parser(), "TrialState");
            if (state.getPhase() == TrialState.Phase.CANCELLED) {
                cancelled.add(state.getTrial().getTrialId());
            }
        } catch (RuntimeException e) {
            log.warn("ignoring a bad trial state: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
