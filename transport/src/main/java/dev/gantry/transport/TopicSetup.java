package dev.gantry.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates gantry's topics (idempotently) and configures the worker share groups. Run by the
 * coordinator at start; safe to run again against a cluster that already has everything.
 */
public final class TopicSetup {
    /**
     * The work queues' delivery limit: the broker archives a record after this many deliveries.
     * Workers give up earlier (their --max-deliveries must stay below it), so every task that can
     * not succeed, even one that kills each worker it reaches, ends in a published failure.
     */
    public static final int DELIVERY_LIMIT = 5;

    /** Topics whose latest record per key is all a reader needs; they are read from the beginning. */
    public static final List<String> COMPACTED = List.of(Topics.TRIAL_STATE, Topics.EVAL_RESULTS);

    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);
    /**
     * @param partitions partitions of every topic but the work queues, which always have one
     *     ({@link Topics#WORK_QUEUES}); more partitions spread state and results over more brokers
     * @param replicationFactor 1 for a single broker, 3 for a production cluster
     * @param lockDurationMs how long a worker holds a task before it must renew or lose it
     */
    public record Layout(int partitions, short replicationFactor, int lockDurationMs) {
        public Layout {
            if (partitions < 1) {
                throw new IllegalArgumentException("topic partitions must be at least 1 (got " + partitions + ")");
            }
            if (replicationFactor < 1) {
                throw new IllegalArgumentException("replication factor must be at least 1 (got " + replicationFactor + ")");
            }
            if (lockDurationMs < 1000) {
                throw new IllegalArgumentException("task lock duration must be at least 1000 ms (got " + lockDurationMs + ")");
            }
        }

        public static Layout singleBroker() {
            return new Layout(4, (short) 1, 15_000);
        }
    }

    private TopicSetup() {}

    public static void ensure(KafkaSettings settings, Layout layout) {
        try (Admin admin = Admin.create(settings.properties(Map.of("client.id", "gantry-setup")))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : Topics.ALL) {
                if (!existing.contains(topic)) {
                    int partitions = Topics.WORK_QUEUES.contains(topic) ? 1 : layout.partitions();
                    NewTopic t = new NewTopic(topic, partitions, layout.replicationFactor());
                    // What views replay from the beginning is compacted, so reading it stays bounded by what
                    // exists (trials, results) rather than by everything that ever happened.
                    if (COMPACTED.contains(topic)) {
                        t.configs(Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0"));
                    } else if (topic.equals(Topics.WORKER_PROGRESS)) {
                        t.configs(Map.of("retention.ms", String.valueOf(Duration.ofDays(1).toMillis())));
                    } else {
                        t.configs(Map.of("retention.ms", "-1"));
                    }
                    missing.add(t);
                }
            }
            createAll(admin, missing);
            compactTopicsMadeBefore(admin, existing);
            warnAboutPartitionedWorkQueues(admin, existing);
            for (String group : List.of(Topics.TRAIN_WORKERS, Topics.EVAL_WORKERS)) {
                Collection<AlterConfigOp> ops = List.of(
                        set("share.auto.offset.reset", "earliest"),
                        set("share.record.lock.duration.ms", String.valueOf(layout.lockDurationMs())),
                        set("share.renew.acknowledge.enable", "true"),
                        set("share.delivery.count.limit", String.valueOf(DELIVERY_LIMIT)),
                        set("share.isolation.level", "read_committed"));
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), ops))
                        .all().get(60, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            throw new TransportException("setting up Kafka topics at " + settings.bootstrapServers() + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TransportException("Kafka at " + settings.bootstrapServers() + " did not answer within 60 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while setting up Kafka topics", e);
        }
    }

    /**
     * Views, the coordinator's rebuild and workers' cancellation watch read these from the beginning,
     * which stays bounded only while they are compacted. Topics made before a topic was compacted (or
     * by hand) are switched to compaction (a plain delete policy is replaced; "compact,delete" is kept).
     */
    private static void compactTopicsMadeBefore(Admin admin, Set<String> existing) throws InterruptedException,
            ExecutionException, java.util.concurrent.TimeoutException {
        List<ConfigResource> resources = COMPACTED.stream().filter(existing::contains)
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        if (resources.isEmpty()) {
            return;
        }
        Map<ConfigResource, Config> configs =
                admin.describeConfigs(resources).all().get(60, TimeUnit.SECONDS);
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        configs.forEach((resource, config) -> {
            ConfigEntry policy = config.get("cleanup.policy");
            String value = policy == null ? "delete" : policy.value();
            if (!List.of(value.split(",")).contains("compact")) {
                log.warn("{} has cleanup.policy={}: switching it to compaction, or every reader of it replays its whole history",
                        resource.name(), value);
                changes.put(resource, List.of(
                        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET)));
            }
        });
        if (!changes.isEmpty()) {
            admin.incrementalAlterConfigs(changes).all().get(60, TimeUnit.SECONDS);
        }
    }

    /** Topics made by an earlier version keep their partitions (Kafka cannot reduce them). */
    private static void warnAboutPartitionedWorkQueues(Admin admin, Set<String> existing) throws InterruptedException,
            ExecutionException, java.util.concurrent.TimeoutException {
        List<String> queues = Topics.WORK_QUEUES.stream().filter(existing::contains).toList();
        admin.describeTopics(queues).allTopicNames().get(60, TimeUnit.SECONDS).forEach((name, description) -> {
            if (description.partitions().size() > 1) {
                log.warn("{} has {} partitions: a worker busy with a long task holds back the tasks on its partitions. "
                        + "Recreate it with one partition when no experiment is running.", name, description.partitions().size());
            }
        });
    }

    private static void createAll(Admin admin, List<NewTopic> topics) throws InterruptedException,
            ExecutionException, java.util.concurrent.TimeoutException {
        for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : admin.createTopics(topics).values().entrySet()) {
            try {
                e.getValue().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw ex;
                }
            }
        }
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }
}
