package dev.gantry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gantry.client.ExperimentHistory;
import dev.gantry.client.ExperimentRecords;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.transport.TopicSetup;
import dev.gantry.transport.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers that start from the beginning of a topic stay bounded by what exists, not by everything
 * that ever happened: the topics they replay are compacted even when an older version made them,
 * and an experiment's history skips the events published before it was submitted.
 */
class BoundedReplayTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, Map.of());
        try (Admin admin = Admin.create(kafka.settings().properties(Map.of()))) {
            // as a version before compaction made them
            admin.createTopics(List.of(
                    new NewTopic(Topics.TRIAL_STATE, 1, (short) 1).configs(Map.of("cleanup.policy", "delete")),
                    new NewTopic(Topics.EVAL_RESULTS, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        TopicSetup.ensure(kafka.settings(), new TopicSetup.Layout(1, (short) 1, 2000));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void topicsReadFromTheBeginningAreCompactedEvenWhenAnOlderVersionMadeThem() throws Exception {
        try (Admin admin = Admin.create(kafka.settings().properties(Map.of()))) {
            for (String topic : TopicSetup.COMPACTED) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                String policy = admin.describeConfigs(List.of(resource)).all().get(60, TimeUnit.SECONDS)
                        .get(resource).get("cleanup.policy").value();
                assertEquals("compact", policy, topic);
            }
        }
    }

    @Test
    void anExperimentsHistoryStartsAtItsSubmissionNotAtTheBeginningOfTheTopics() throws Exception {
        long now = System.currentTimeMillis();
        long longBefore = now - Duration.ofDays(3).toMillis();
        TrialRef trial = TrialRef.newBuilder().setExperimentId("bounded").setTrialId("bounded-t0").build();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.settings().properties(Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            // an event of the same id published days before this experiment was submitted
            producer.send(new ProducerRecord<>(Topics.CHECKPOINT_EVENTS, 0, longBefore, trial.getTrialId(),
                    CheckpointEvent.newBuilder().setTrial(trial).setTaskId("task-5").build().toByteArray())).get();
            producer.send(new ProducerRecord<>(Topics.TRIAL_STATE, trial.getTrialId(), TrialState.newBuilder()
                    .setTrial(trial).setPhase(TrialState.Phase.RUNNING).setSubmittedAtMs(now).build().toByteArray())).get();
            producer.send(new ProducerRecord<>(Topics.CHECKPOINT_EVENTS, 0, now, trial.getTrialId(),
                    CheckpointEvent.newBuilder().setTrial(trial).setTaskId("task-10").build().toByteArray())).get();
        }
        try (ExperimentHistory history = new ExperimentHistory(kafka.settings(), "bounded").catchUp()) {
            ExperimentRecords records = history.drain();
            assertEquals(List.of("task-10"), records.checkpoints().stream().map(CheckpointEvent::getTaskId).toList());
            assertEquals(1, history.trials().size());
        }
    }

    @Test
    void historyStartsAnHourBeforeTheEarliestSubmissionOrAtTheBeginningForStatesWithoutOne() {
        long now = 10 * 3_600_000L;
        TrialState early = TrialState.newBuilder().setSubmittedAtMs(4 * 3_600_000L).build();
        TrialState late = TrialState.newBuilder().setSubmittedAtMs(6 * 3_600_000L).build();
        assertEquals(3 * 3_600_000L, ExperimentHistory.since(List.of(late, early), now));
        assertEquals(now - 3_600_000L, ExperimentHistory.since(List.of(), now));
        assertEquals(0, ExperimentHistory.since(List.of(late, TrialState.getDefaultInstance()), now));
    }
}
