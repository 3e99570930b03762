package dev.gantry.coordinator;

import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.ExperimentCommand;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.spec.SpecException;
import dev.gantry.storage.S3ObjectStore;
import dev.gantry.storage.StoreUri;
import dev.gantry.storage.Stores;
import dev.gantry.transport.Messages;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.TopicSetup;
import dev.gantry.transport.Topics;
import dev.gantry.transport.TransactionalPublisher;
import dev.gantry.transport.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator process: rebuilds its view from the compacted trial-state topic, then
 * consumes commands, checkpoint events, evaluation results, failures and progress, and
 * publishes what {@link TrialScheduler} decides. Each batch is one Kafka transaction: its tasks,
 * its trial states and the input offsets that produced them commit together or not at all, so a
 * crash, an unreachable partition or a rejected record loses nothing and duplicates nothing;
 * readers see only committed transactions. The fixed transactional id fences a second or zombie
 * coordinator: the older one's next commit fails and it exits. Retention deletes checkpoints only
 * after the transaction that dropped them committed.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
    private static final List<String> INPUTS = List.of(Topics.EXPERIMENT_COMMANDS, Topics.CHECKPOINT_EVENTS,
            Topics.EVAL_RESULTS, Topics.TASK_FAILURES, Topics.WORKER_PROGRESS);

    private final CoordinatorSettings settings;
    /** Kafka's transactional id: one coordinator per cluster; a new one fences the old. */
    static final String TRANSACTIONAL_ID = "gantry-coordinator";
    /** Consecutive failed transactions after which the coordinator exits (for its supervisor to restart it) instead of looping. */
    private static final int MAX_FAILED_COMMITS = 10;

    private TrialScheduler scheduler = new TrialScheduler(System::currentTimeMillis);
    private final TransactionalPublisher publisher;
    private final Stores stores;
    private final RetentionDeleter retention;
    private final AtomicBoolean stopping = new AtomicBoolean();

    public Coordinator(CoordinatorSettings settings) {
        this.settings = settings;
        TopicSetup.ensure(settings.kafka(), settings.layout());
        // Before the rebuild: fencing any earlier coordinator aborts its open transaction, so the
        // states read next are all the states there will ever be from it.
        publisher = new TransactionalPublisher(settings.kafka(), TRANSACTIONAL_ID);
        stores = new Stores(settings.s3());
        retention = new RetentionDeleter(stores, settings.storeRoot());
        StoreUri root = StoreUri.parse(settings.storeRoot());
        if (root.isS3()) {
            // A fresh deployment (docker compose with MinIO) starts with no bucket.
            try (S3ObjectStore bucket = new S3ObjectStore(settings.s3(), root.bucket())) {
                bucket.createBucketIfMissing();
            }
        }
        rebuild();
    }

    /** Reads the compacted trial-state topic to its end: the state the previous coordinator left. */
    private void rebuild() {
        long started = System.nanoTime();
        scheduler = new TrialScheduler(System::currentTimeMillis);
        int[] restored = {0};
        TopicReplay.replay(settings.kafka(), "gantry-coordinator-rebuild", List.of(Topics.TRIAL_STATE), r -> {
            try {
                scheduler.restore(Messages.decode(r, TrialState.parser(), "TrialState"));
                restored[0]++;
            } catch (RuntimeException e) {
                log.error("ignoring a bad trial state: {}", e.getMessage());
            }
        });
        log.info("coordinator rebuilt {} trial states ({} records)", scheduler.trials().size(), restored[0]);
        CoordinatorMetrics.rebuilt((System.nanoTime() - started) / 1e9);
        CoordinatorMetrics.observe(scheduler.trials());
    }

    /** Works until {@link #stop}. */
    public void run() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.kafka().properties(Map.of(
                "group.id", Topics.COORDINATOR,
                "group.protocol", "consumer",
                "client.id", "gantry-coordinator",
                "enable.auto.commit", "false",
                "isolation.level", "read_committed",
                "auto.offset.reset", "earliest",
                "max.poll.records", "500")), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(INPUTS);
            int failedCommits = 0;
            while (!stopping.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                Actions actions = new Actions();
                for (ConsumerRecord<String, byte[]> r : records) {
                    merge(actions, handle(r));
                }
                try {
                    publisher.commit(outputs(actions), nextOffsets(records), consumer.groupMetadata());
                } catch (TransactionalPublisher.FencedException e) {
                    throw e;  // another coordinator runs: this one must write nothing more
                } catch (TransportException e) {
                    // The batch is not (or, after a timed-out commit, fully) visible; either way its inputs
                    // are read again from the committed offsets: forget what was decided and rebuild.
                    if (++failedCommits >= MAX_FAILED_COMMITS) {
                        throw new TransportException(failedCommits + " transactions in a row failed, last: "
                                + e.getMessage(), e);
                    }
                    CoordinatorMetrics.failedTransaction();
                    log.warn("{}; rebuilding from trial-state and reading the batch again", e.getMessage());
                    rebuild();
                    rewind(consumer);
                    continue;
                }
                failedCommits = 0;
                CoordinatorMetrics.committed(actions.tasks.size() + actions.states.size(), scheduler.trials());
                retention.deleteLater(actions.deletions);  // only after the states that dropped them are committed
                CoordinatorMetrics.retentionBacklog(retention.backlog());
            }
        }
    }

    /** Back to the committed offsets of every assigned partition, so an aborted batch is read again. */
    private static void rewind(KafkaConsumer<String, byte[]> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata at = committed.get(tp);
            if (at != null) {
                consumer.seek(tp, at);
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> list = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        return offsets;
    }

    /** Tasks first, then states: in one transaction the order matters only to readers of one partition. */
    private static List<TransactionalPublisher.Output> outputs(Actions actions) {
        List<TransactionalPublisher.Output> out = new ArrayList<>();
        for (TrainingTask task : actions.tasks) {
            out.add(new TransactionalPublisher.Output(Topics.TRAINING_TASKS, task.getTrial().getTrialId(), task));
        }
        for (TrialState state : actions.states) {
            out.add(new TransactionalPublisher.Output(Topics.TRIAL_STATE, state.getTrial().getTrialId(), state));
        }
        return out;
    }

    public void stop() {
        stopping.set(true);
    }

    private Actions handle(ConsumerRecord<String, byte[]> r) {
        try {
            switch (r.topic()) {
                case Topics.EXPERIMENT_COMMANDS -> {
                    return command(Messages.decode(r, ExperimentCommand.parser(), "ExperimentCommand"));
                }
                case Topics.CHECKPOINT_EVENTS -> {
                    return scheduler.checkpointCommitted(Messages.decode(r, CheckpointEvent.parser(), "CheckpointEvent"));
                }
                case Topics.EVAL_RESULTS -> {
                    Actions decided = scheduler.evaluated(Messages.decode(r, EvaluationResult.parser(), "EvaluationResult"));
                    if (!decided.forks.isEmpty()) {
                        retention.awaitIdle();  // a PBT exploit copies a checkpoint: no deletion may be under way
                    }
                    return Forks.complete(scheduler, stores, settings.storeRoot(), decided);
                }
                case Topics.TASK_FAILURES -> {
                    return scheduler.failed(Messages.decode(r, TaskFailure.parser(), "TaskFailure"));
                }
                case Topics.WORKER_PROGRESS -> {
                    return scheduler.progress(Messages.decode(r, WorkerProgress.parser(), "WorkerProgress"));
                }
                default -> {
                    return new Actions();
                }
            }
        } catch (RuntimeException e) {
            // A malformed record must not stop the coordinator, nor change any trial: skip it, say where it is.
            log.error("skipping {}: {}", Messages.where(r), e.getMessage());
            return new Actions();
        }
    }

    private Actions command(ExperimentCommand command) {
        String id = command.getExperimentId();
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            log.error("rejecting a command for experiment id '{}': 1-100 letters, digits, '.', '_' or '-'", id);
            return new Actions();
        }
        return switch (command.getCommandCase()) {
            case SUBMIT -> {
                try {
                    ExperimentPlan plan = PlanLoader.parse(command.getSubmit().getSpecYaml(), "experiment " + id);
                    Actions a = scheduler.submit(id, plan, settings.storeRoot());
                    if (!a.isEmpty()) {
                        log.info("experiment {}: {} trial(s) of {}", id, plan.trials().size(), plan.name());
                    }
                    yield a;
                } catch (SpecException e) {
                    log.error("rejecting experiment {}:\n  {}", id, String.join("\n  ", e.problems()));
                    yield new Actions();
                }
            }
            case FORK -> fork(id, command.getFork());
            case CANCEL -> scheduler.cancel(id, command.getCancel().getReason().isEmpty() ? "cancelled"
                    : "cancelled: " + command.getCancel().getReason());
            default -> {
                log.error("ignoring a command with no action for experiment {}", id);
                yield new Actions();
            }
        };
    }

    private Actions fork(String experimentId, dev.gantry.proto.v1.ForkTrial command) {
        retention.awaitIdle();  // the fork copies a checkpoint: no deletion may be under way
        return Forks.handle(scheduler, stores, settings.storeRoot(), experimentId, command);
    }

    private static void merge(Actions into, Actions from) {
        into.tasks.addAll(from.tasks);
        into.states.addAll(from.states);
        into.deletions.addAll(from.deletions);
    }

    @Override
    public void close() {
        retention.close();
        publisher.close();
        stores.close();
    }

}
