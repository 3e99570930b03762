#!/bin/bash
# Creates gantry's Kafka topics and configures its share groups, with Kafka's own tools (the
# apache/kafka image), as TopicSetup (transport/src/main/java/dev/gantry/transport/TopicSetup.java)
# does at coordinator start. Keep the two in step: deploy-tests checks the topic names and the
# delivery limit against Topics.java and TopicSetup.java. Idempotent: run it as often as you like.
set -euo pipefail

# The same pass-through as gantry's KafkaSettings: GANTRY_KAFKA_<PROPERTY> -> <property>.
props=/tmp/gantry-client.properties
: > "$props"
for name in $(compgen -e); do
  case "$name" in
    GANTRY_KAFKA_BOOTSTRAP) ;;
    GANTRY_KAFKA_*)
      key=${name#GANTRY_KAFKA_}; key=${key,,}; key=${key//_/.}
      printf '%s=%s\n' "$key" "${!name}" >> "$props" ;;
  esac
done

admin=(--bootstrap-server "$GANTRY_KAFKA_BOOTSTRAP" --command-config "$props")

create() {  # topic partitions [--config k=v ...]
  local topic=$1 partitions=$2; shift 2
  /opt/kafka/bin/kafka-topics.sh "${admin[@]}" --create --if-not-exists --topic "$topic" \
    --partitions "$partitions" --replication-factor "$TOPIC_REPLICATION_FACTOR" "$@"
}

# Work queues read by share groups: one partition each (Topics.WORK_QUEUES says why).
for topic in gantry.v1.training-tasks gantry.v1.checkpoint-events gantry.v1.eval-tasks; do
  create "$topic" 1 --config retention.ms=-1
done
for topic in gantry.v1.experiment-commands gantry.v1.task-failures; do
  create "$topic" "$TOPIC_PARTITIONS" --config retention.ms=-1
done
# Replayed from the beginning by views: compacted.
for topic in gantry.v1.trial-state gantry.v1.eval-results; do
  create "$topic" "$TOPIC_PARTITIONS" --config cleanup.policy=compact --config min.compaction.lag.ms=0
done
create gantry.v1.worker-progress "$TOPIC_PARTITIONS" --config retention.ms=86400000

# share.delivery.count.limit is TopicSetup.DELIVERY_LIMIT: workers give up a task earlier.
for group in gantry-train-workers gantry-eval-workers; do
  /opt/kafka/bin/kafka-configs.sh "${admin[@]}" --alter --entity-type groups --entity-name "$group" \
    --add-config "share.auto.offset.reset=earliest,share.record.lock.duration.ms=$TASK_LOCK_MS,share.renew.acknowledge.enable=true,share.delivery.count.limit=5,share.isolation.level=read_committed"
done
echo "gantry topics and share groups are set up at $GANTRY_KAFKA_BOOTSTRAP"
