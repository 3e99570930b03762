package dev.gantry.worker;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;

/**
 * What a worker process exports to Prometheus. Labels stay bounded: the task outcome and role,
 * never a trial id, except for the one current trial held by an info metric whose old series is
 * replaced rather than kept.
 */
final class WorkerMetrics {
    private static final Counter TASKS = Counter.builder().name("gantry_tasks_total")
            .help("Tasks by role and what became of them: acquired, accepted (done), released (handed back),"
                    + " rejected (parked), renewed (lock extended)")
            .labelNames("role", "outcome").register();
    private static final Counter STEPS = Counter.builder().name("gantry_training_steps_total")
            .help("Generator steps trained in this process").register();
    private static final Gauge STEPS_PER_SECOND = Gauge.builder().name("gantry_training_steps_per_second")
            .help("Generator steps per second in the current (or last) segment").register();
    private static final Histogram STEP_SECONDS = Histogram.builder().name("gantry_training_step_seconds")
            .help("Duration of one generator step (with its discriminator steps)").classicOnly()
            .classicExponentialUpperBounds(0.01, 2, 14).register();
    private static final Histogram SEGMENT_SECONDS = Histogram.builder().name("gantry_training_segment_seconds")
            .help("Duration of a training task, from acquisition to its checkpoint event").classicOnly()
            .classicExponentialUpperBounds(1, 2, 14).register();
    private static final Histogram COMMIT_SECONDS = Histogram.builder().name("gantry_checkpoint_commit_seconds")
            .help("Encoding and committing a segment's checkpoint").classicOnly()
            .classicExponentialUpperBounds(0.01, 2, 14).register();
    private static final Counter START_STATES = Counter.builder().name("gantry_training_start_states_total")
            .help("Where segments' start states came from: memory (kept after this worker committed it), store (read"
                    + " and decoded), new (step 0)")
            .labelNames("source").register();
    private static final Counter COMMIT_BYTES = Counter.builder().name("gantry_checkpoint_bytes_total")
            .help("Checkpoint bytes written (manifest excluded)").register();
    private static final Counter CANCELLED = Counter.builder().name("gantry_training_segments_cancelled_total")
            .help("Segments stopped because their trial was cancelled, the lock was lost or the process stops").register();
    private static final Counter NON_FINITE = Counter.builder().name("gantry_training_nonfinite_losses_total")
            .help("Segments that ended in a NaN or infinite loss (their trial fails as diverged)").register();
    private static final Gauge CURRENT_STEP = Gauge.builder().name("gantry_training_current_step")
            .help("The generator step the current trial has reached in this process").register();
    private static final Info CURRENT_TRIAL = Info.builder().name("gantry_training_trial")
            .help("The trial this training worker is on (one series: replaced when it changes)")
            .labelNames("trial").register();
    private static final Histogram EVAL_LATENCY = Histogram.builder().name("gantry_evaluation_latency_seconds")
            .help("From a checkpoint's commit (or a user's request) to its published evaluation result").classicOnly()
            .classicExponentialUpperBounds(1, 2, 14).register();
    private static final Gauge EVAL_IMAGES_PER_SECOND = Gauge.builder().name("gantry_evaluation_images_per_second")
            .help("Generated images per second (generation and feature extraction) of the last evaluation").register();
    private static final Counter STATISTICS = Counter.builder().name("gantry_statistics_cache_total")
            .help("Reference statistics lookups: hit (memory or disk), shared (from the store), miss (computed here)")
            .labelNames("result").register();

    private WorkerMetrics() {}

    static void task(String role, String outcome) {
        TASKS.labelValues(role, outcome).inc();
    }

    static void step(String trialId, long step, double stepSeconds, double stepsPerSecond) {
        STEPS.inc();
        STEP_SECONDS.observe(stepSeconds);
        STEPS_PER_SECOND.set(stepsPerSecond);
        CURRENT_STEP.set(step);
        CURRENT_TRIAL.setLabelValues(trialId);
    }

    static void segment(double seconds) {
        SEGMENT_SECONDS.observe(seconds);
    }

    static void committed(double seconds, long bytes) {
        COMMIT_SECONDS.observe(seconds);
        COMMIT_BYTES.inc(bytes);
    }

    static void startState(String source) {
        START_STATES.labelValues(source).inc();
    }

    static void cancelled() {
        CANCELLED.inc();
    }

    static void nonFinite() {
        NON_FINITE.inc();
    }

    static void evaluated(double latencySeconds, double imagesPerSecond) {
        if (latencySeconds >= 0) {
            EVAL_LATENCY.observe(latencySeconds);
        }
        EVAL_IMAGES_PER_SECOND.set(imagesPerSecond);
    }

    static void statistics(String result) {
        STATISTICS.labelValues(result).inc();
    }
}
