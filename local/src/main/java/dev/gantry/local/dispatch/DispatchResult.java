package dev.gantry.local.dispatch;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What one dispatch run measured.
 *
 * @param tasks tasks acquired, each counted once
 * @param duplicates acquisitions of a task already acquired (redeliveries); 0 when nothing was lost
 * @param unexpected tasks acquired that are no segment of the submitted trials
 * @param republished tasks delivered for the first time more than once: the coordinator published them twice
 * @param trialsDone trials the coordinator recorded DONE at their last step
 * @param windowTasks tasks first acquired in the measured window
 * @param seconds the measured window: from the moment every trial's first task was acquired (the
 *     submission publishes those at once) to the last acquisition; the whole run for one-segment trials
 * @param latency publication (the task record's timestamp) to acquisition, of every segment after a
 *     trial's first (the first ones are published together by the submission)
 * @param firstWave the same for each trial's first segment
 * @param reaction the coordinator's part: a checkpoint event on the broker to the next task's record
 * @param coordinatorCpuSeconds the coordinator process's CPU time over the window
 * @param brokerCpuSeconds the bench JVM's CPU time (the broker, and the bench's bookkeeping) over the window
 * @param workersCpuSeconds the simulated workers' process's CPU time over the window
 * @param loadAverage the machine's one-minute load average at the end
 */
public record DispatchResult(int workers, int trials, int segmentsPerTrial, long tasks, long duplicates,
        long unexpected, long republished, int trialsDone, long windowTasks, double seconds, Latency latency, Latency firstWave, Latency reaction, double coordinatorCpuSeconds,
        double brokerCpuSeconds, double workersCpuSeconds, double loadAverage) {

    /** Percentiles in milliseconds. */
    public record Latency(int count, double p50, double p99, double max) {
        static Latency of(List<Long> millis) {
            if (millis.isEmpty()) {
                return new Latency(0, Double.NaN, Double.NaN, Double.NaN);
            }
            long[] s = millis.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(s);
            return new Latency(s.length, s[rank(s.length, 0.50)], s[rank(s.length, 0.99)], s[s.length - 1]);
        }

        /** Nearest rank: the smallest value with at least {@code q} of all values at or below it. */
        private static int rank(int n, double q) {
            return Math.max(0, (int) Math.ceil(q * n) - 1);
        }
    }

    /** Every task dispatched once, nothing else, and every trial finished. */
    public boolean clean() {
        return duplicates == 0 && unexpected == 0 && republished == 0 && trialsDone == trials;
    }

    public double tasksPerSecond() {
        return windowTasks / seconds;
    }

    /** The coordinator's CPU in cores (1.0 = one core busy all the time). */
    public double coordinatorCores() {
        return coordinatorCpuSeconds / seconds;
    }

    /** Coordinator CPU per dispatched task, in milliseconds. */
    public double coordinatorCpuMsPerTask() {
        return 1000 * coordinatorCpuSeconds / windowTasks;
    }

    public static String header() {
        return "| simulated workers | trials x segments | tasks | tasks/s (steady state) | publication -> acquisition p50 / p99 / max |"
                + " event -> next task record p50 / p99 | first segments p50 / max | coordinator CPU (cores, ms/task) | broker CPU (cores) |"
                + " workers CPU (cores) | lost or duplicated | load avg |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";
    }

    public String row() {
        return String.format(Locale.ROOT, "| %d | %d x %d | %d | %.1f | %.0f / %.0f / %.0f ms | %.0f / %.0f ms | %.0f / %.0f ms |"
                + " %.2f, %.2f | %.2f | %.2f | %s | %.1f |", workers, trials, segmentsPerTrial, tasks, tasksPerSecond(),
                latency.p50(), latency.p99(), latency.max(), reaction.p50(), reaction.p99(), firstWave.p50(), firstWave.max(), coordinatorCores(),
                coordinatorCpuMsPerTask(), brokerCpuSeconds / seconds, workersCpuSeconds / seconds,
                clean() ? "none" : duplicates + " redelivered, " + unexpected + " unexpected, " + republished
                        + " published twice, " + (trials - trialsDone) + " trials not done", loadAverage);
    }
}
