package dev.gantry.client;

import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.Messages;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.Topics;
import dev.gantry.transport.TrialPhases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What the cluster knows, read straight from Kafka: trial states (compacted topic), evaluation
 * results and workers' progress reports. Needs no coordinator and changes nothing, so any number
 * of CLIs can watch. Not thread-safe: one caller polls it.
 */
public final class ClusterView implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, TrialState> trials = new LinkedHashMap<>();
    private final Map<String, List<EvaluationResult>> results = new LinkedHashMap<>();
    private final Map<String, WorkerProgress> progress = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    public ClusterView(KafkaSettings settings) {
        consumer = TopicReplay.fromBeginning(settings, "gantry-view",
                List.of(Topics.TRIAL_STATE, Topics.EVAL_RESULTS, Topics.WORKER_PROGRESS));
    }

    /** Reads everything published up to now. */
    public ClusterView catchUp() {
        TopicReplay.toEnd(consumer, this::accept);
        return this;
    }

    /** Reads what arrives within {@code timeout}. */
    public ClusterView poll(Duration timeout) {
        consumer.poll(timeout).forEach(this::accept);
        return this;
    }

    private void accept(ConsumerRecord<String, byte[]> r) {
        try {
            switch (r.topic()) {
                case Topics.TRIAL_STATE -> {
                    if (r.value() == null) {
                        trials.remove(r.key());
                    } else {
                        TrialState t = Messages.decode(r, TrialState.parser(), "TrialState");
                        trials.put(t.getTrial().getTrialId(), t);
                    }
                }
                case Topics.EVAL_RESULTS -> {
                    EvaluationResult e = Messages.decode(r, EvaluationResult.parser(), "EvaluationResult");
                    List<EvaluationResult> list = results.computeIfAbsent(e.getTrial().getTrialId(), k -> new ArrayList<>());
                    list.removeIf(x -> x.getStep() == e.getStep() && x.getMetricDefinition().equals(e.getMetricDefinition()));
                    list.add(e);
                    list.sort(Comparator.comparingLong(EvaluationResult::getStep));
                }
                case Topics.WORKER_PROGRESS -> {
                    WorkerProgress p = Messages.decode(r, WorkerProgress.parser(), "WorkerProgress");
                    progress.put(p.getTrial().getTrialId(), p);
                }
                default -> { }
            }
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
    }

    public List<TrialState> trials(Predicate<TrialState> filter) {
        return trials.values().stream().filter(filter)
                .sorted(Comparator.comparing((TrialState t) -> t.getTrial().getExperimentId()).thenComparingInt(TrialState::getIndex))
                .toList();
    }

    public List<TrialState> experiment(String experimentId) {
        return trials(t -> t.getTrial().getExperimentId().equals(experimentId));
    }

    public Optional<TrialState> trial(String trialId) {
        return Optional.ofNullable(trials.get(trialId));
    }

    public List<EvaluationResult> results(String trialId) {
        return results.getOrDefault(trialId, List.of());
    }

    public Optional<WorkerProgress> progress(String trialId) {
        return Optional.ofNullable(progress.get(trialId));
    }

    /** Where a trial is now: step, speed and worker. */
    public record Live(long step, double stepsPerSecond, String workerId) {}

    /** The latest progress report of a running trial when it is ahead of the stored state, else the stored state. */
    public Live live(TrialState t) {
        WorkerProgress p = progress.get(t.getTrial().getTrialId());
        if (p != null && !finished(t) && p.getStep() > t.getStep()) {
            return new Live(p.getStep(), p.getStats().getStepsPerSecond(), p.getWorkerId());
        }
        return new Live(t.getStep(), t.getStepsPerSecond(), t.getWorkerId());
    }

    /** Records that could not be read (malformed), with where they are. */
    public List<String> problems() {
        return problems;
    }

    public static boolean finished(TrialState t) {
        return TrialPhases.isFinished(t.getPhase());
    }

    @Override
    public void close() {
        consumer.close();
    }
}
