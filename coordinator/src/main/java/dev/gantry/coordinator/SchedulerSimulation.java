package dev.gantry.coordinator;

import dev.gantry.cluster.ClusterLayout;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.spec.ExperimentSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's scheduling decisions at scale, without Kafka: many trials, many simulated
 * workers whose segments finish at once, so that only the scheduler's own cost is measured
 * (the time from a checkpoint event to the next task of that trial being decided).
 */
public final class SchedulerSimulation {
    /** Latencies in microseconds, and how many decisions they cover. */
    public record Result(int trials, int workers, long segments, double p50Micros, double p99Micros, double maxMicros,
            double seconds, long tasksStillQueued) {}

    private SchedulerSimulation() {}

    /**
     * @param base a parsed trial spec (its YAML), copied into every trial with its own seed
     * @param segmentsPerTrial each trial is this many segments long
     */
    public static Result run(String baseYaml, ExperimentSpec base, int trials, int workers, int segmentsPerTrial) {
        long segment = 10;
        List<ExperimentPlan.Trial> list = new ArrayList<>(trials);
        ExperimentSpec spec = base.withSteps(segment * segmentsPerTrial);
        for (int i = 0; i < trials; i++) {
            list.add(new ExperimentPlan.Trial("seed=" + i, Map.of(), i, baseYaml, spec));
        }
        ExperimentPlan plan = new ExperimentPlan("sim", list, segment,
                new ExperimentPlan.Evaluation(0, false, "fmnist-cnn-v1", "test", 0, 0, GeneratorChoice.RAW), 1);
        TrialScheduler scheduler = new TrialScheduler(System::currentTimeMillis);
        long started = System.nanoTime();
        Deque<TrainingTask> queue = new ArrayDeque<>(scheduler.submit("sim", plan, "/tmp/gantry-sim/").tasks);
        long[] latencies = new long[trials * segmentsPerTrial];
        int decided = 0;
        while (!queue.isEmpty()) {
            // Each round, every worker takes one task and finishes its no-op segment immediately.
            List<TrainingTask> round = new ArrayList<>();
            for (int w = 0; w < workers && !queue.isEmpty(); w++) {
                round.add(queue.poll());
            }
            for (int w = 0; w < round.size(); w++) {
                TrainingTask task = round.get(w);
                CheckpointEvent event = CheckpointEvent.newBuilder().setTrial(task.getTrial())
                        .setCheckpoint(CheckpointRef.newBuilder().setStep(task.getToStep())
                                .setUri(ClusterLayout.checkpointUri(task.getCheckpointUriPrefix(), task.getToStep())))
                        .setTaskId(task.getTaskId()).setWorkerId("sim-" + w).build();
                long t0 = System.nanoTime();
                Actions actions = scheduler.checkpointCommitted(event);
                latencies[decided++] = System.nanoTime() - t0;
                queue.addAll(actions.tasks);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] sorted = Arrays.copyOf(latencies, decided);
        Arrays.sort(sorted);
        return new Result(trials, workers, decided, sorted[decided / 2] / 1e3, sorted[(int) (decided * 0.99)] / 1e3,
                sorted[decided - 1] / 1e3, seconds, queue.size());
    }
}
