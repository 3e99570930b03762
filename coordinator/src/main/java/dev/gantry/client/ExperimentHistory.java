package dev.gantry.client;

import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.Messages;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Everything published about one experiment: its trials' latest states, and every progress report,
 * checkpoint event and evaluation result. Unlike {@link ClusterView}, which keeps the latest progress
 * report per trial, this keeps each one, for curves over the whole run (as far back as
 * worker-progress retention, one day, reaches). Checkpoint events are kept for good, so the event
 * topics are read only from the experiment's submission on (less {@link #CLOCK_SKEW}, since record
 * times come from the workers' clocks): the cost of an export is the experiment's own history, not
 * the cluster's. Records are handed out once, by {@link #drain}. Not thread-safe.
 */
public final class ExperimentHistory implements AutoCloseable {
    /** How far workers' clocks may run behind the coordinator's and still have every record read. */
    public static final Duration CLOCK_SKEW = Duration.ofHours(1);
    private static final List<String> EVENT_TOPICS = List.of(Topics.WORKER_PROGRESS, Topics.CHECKPOINT_EVENTS,
            Topics.EVAL_RESULTS);
    private final String experimentId;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, TrialState> trials = new LinkedHashMap<>();
    private final List<WorkerProgress> progress = new ArrayList<>();
    private final List<CheckpointEvent> checkpoints = new ArrayList<>();
    private final List<EvaluationResult> results = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    public ExperimentHistory(KafkaSettings settings, String experimentId) {
        this.experimentId = experimentId;
        consumer = TopicReplay.fromBeginning(settings, "gantry-history", List.of(Topics.TRIAL_STATE));
        try {
            TopicReplay.toEnd(consumer, this::accept);
            TopicReplay.extendFrom(consumer, EVENT_TOPICS, since(trials.values(), System.currentTimeMillis()));
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /**
     * Where the event topics are read from: the earliest submission among the experiment's trials, or
     * now when it has none yet (its records are still to come), less the allowed clock skew. A trial
     * state written before submission times were recorded reads everything.
     */
    public static long since(Collection<TrialState> trials, long nowMs) {
        long earliest = nowMs;
        for (TrialState t : trials) {
            if (t.getSubmittedAtMs() <= 0) {
                return 0;
            }
            earliest = Math.min(earliest, t.getSubmittedAtMs());
        }
        return Math.max(0, earliest - CLOCK_SKEW.toMillis());
    }

    /** Reads everything published up to now. */
    public ExperimentHistory catchUp() {
        TopicReplay.toEnd(consumer, this::accept);
        return this;
    }

    /** Reads what arrives within {@code timeout}. */
    public ExperimentHistory poll(Duration timeout) {
        consumer.poll(timeout).forEach(this::accept);
        return this;
    }

    /** The experiment's trials as they are now, in experiment order. */
    public List<TrialState> trials() {
        return trials.values().stream().sorted(Comparator.comparingInt(TrialState::getIndex)).toList();
    }

    /** The records read since the last call. */
    public ExperimentRecords drain() {
        ExperimentRecords fresh = new ExperimentRecords(progress, checkpoints, results);
        progress.clear();
        checkpoints.clear();
        results.clear();
        return fresh;
    }

    /** Records that could not be read (malformed), with where they are. */
    public List<String> problems() {
        return problems;
    }

    private void accept(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            if (r.topic().equals(Topics.TRIAL_STATE)) {
                trials.remove(r.key());
            }
            return;
        }
        try {
            switch (r.topic()) {
                case Topics.TRIAL_STATE -> {
                    TrialState t = Messages.decode(r, TrialState.parser(), "TrialState");
                    if (ours(t.getTrial())) {
                        trials.put(t.getTrial().getTrialId(), t);
                    }
                }
                case Topics.WORKER_PROGRESS -> {
                    WorkerProgress p = Messages.decode(r, WorkerProgress.parser(), "WorkerProgress");
                    if (ours(p.getTrial())) {
                        progress.add(p);
                    }
                }
                case Topics.CHECKPOINT_EVENTS -> {
                    CheckpointEvent c = Messages.decode(r, CheckpointEvent.parser(), "CheckpointEvent");
                    if (ours(c.getTrial())) {
                        checkpoints.add(c);
                    }
                }
                case Topics.EVAL_RESULTS -> {
                    EvaluationResult e = Messages.decode(r, EvaluationResult.parser(), "EvaluationResult");
                    if (ours(e.getTrial())) {
                        results.add(e);
                    }
                }
                default -> { }
            }
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
    }

    private boolean ours(TrialRef trial) {
        return trial.getExperimentId().equals(experimentId);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
