package dev.gantry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.transport.Publisher;
import dev.gantry.transport.TaskQueue;
import dev.gantry.transport.TopicSetup;
import dev.gantry.transport.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The share-group semantics the workers rely on, on a real broker. */
class ShareQueueTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, Map.of());
        TopicSetup.ensure(kafka.settings(), new TopicSetup.Layout(1, (short) 1, 2000));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void eachTaskGoesToOneWorkerAndRenewalKeepsItPastTheLock() throws Exception {
        try (Publisher publisher = new Publisher(kafka.settings(), "test");
                TaskQueue a = new TaskQueue(kafka.settings(), Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), "a");
                TaskQueue b = new TaskQueue(kafka.settings(), Topics.TRAIN_WORKERS, List.of(Topics.TRAINING_TASKS), "b")) {
            for (int i = 0; i < 3; i++) {
                publisher.sendBytes(Topics.TRAINING_TASKS, "k" + i, ("task" + i).getBytes(StandardCharsets.UTF_8)).get();
            }
            ConsumerRecord<String, byte[]> held = await(a);
            long heldUntil = System.nanoTime() + Duration.ofMillis(5000).toNanos();
            Set<String> seenByB = new HashSet<>();
            while (System.nanoTime() < heldUntil) {
                a.holdOn(held);
                b.next(Duration.ofMillis(300)).ifPresent(r -> {
                    seenByB.add(new String(r.value(), StandardCharsets.UTF_8));
                    b.done(r);
                });
            }
            String heldValue = new String(held.value(), StandardCharsets.UTF_8);
            assertEquals(2, seenByB.size(), "b got the two other tasks: " + seenByB);
            assertTrue(!seenByB.contains(heldValue), "the renewed task stayed with a: " + seenByB);
            a.done(held);
            assertEquals(Optional.empty(), b.next(Duration.ofSeconds(3)).map(r -> new String(r.value())),
                    "nothing is left after three ACCEPTs");
        }
    }

    @Test
    void aTaskWhoseLockExpiresIsDeliveredAgain() throws Exception {
        try (Publisher publisher = new Publisher(kafka.settings(), "test");
                TaskQueue a = new TaskQueue(kafka.settings(), Topics.EVAL_WORKERS, List.of(Topics.EVAL_TASKS), "c");
                TaskQueue b = new TaskQueue(kafka.settings(), Topics.EVAL_WORKERS, List.of(Topics.EVAL_TASKS), "d")) {
            publisher.sendBytes(Topics.EVAL_TASKS, "k", "lost".getBytes(StandardCharsets.UTF_8)).get();
            ConsumerRecord<String, byte[]> first = await(a);
            assertEquals((short) 1, first.deliveryCount().orElseThrow());
            // a goes silent without acknowledging (a hung worker): the 2 s lock expires and b gets the task
            ConsumerRecord<String, byte[]> second = await(b);
            assertEquals("lost", new String(second.value(), StandardCharsets.UTF_8));
            assertEquals((short) 2, second.deliveryCount().orElseThrow());
            b.done(second);
        }
    }

    private static ConsumerRecord<String, byte[]> await(TaskQueue queue) {
        for (int i = 0; i < 60; i++) {
            Optional<ConsumerRecord<String, byte[]>> r = queue.next(Duration.ofMillis(500));
            if (r.isPresent()) {
                return r.get();
            }
        }
        throw new AssertionError("no record within 30 s");
    }
}
