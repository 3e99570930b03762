package dev.gantry.worker;

import dev.gantry.cluster.CacheLayout;
import dev.gantry.runtime.ComputeDevice;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.StoreRoots;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.TopicSetup;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.ExperimentSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a worker process is configured with, validated on construction.
 *
 * @param workerId shown in status and carried in every message this worker sends
 * @param threads intra-op threads for PyTorch (results are bitwise reproducible per thread count)
 * @param progressEvery how often a training worker reports progress during a segment
 * @param maxDeliveries after this many failed deliveries of one task it is parked as failed
 * @param featurenetDir weights of fmnist-cnn-v1 (trained on first use when absent)
 * @param cacheDir datasets and reference statistics
 * @param inception the Inception v3 TorchScript (path, s3:// or https:// URI), or null
 * @param inceptionSha256 the published file's SHA-256, or null (then its metrics are not plain FID)
 * @param inceptionReference PyTorch's features of fixed images for that file (.npz), or null: the
 *     self-test's reference (a local Inception file's {@code <file>.reference.npz} is found without it)
 * @param storeRoots where this worker may read and write: every storage URI in a message is checked
 * @param statisticsCacheBytes the most the reference-statistics cache under {@code cacheDir} may hold
 * @param device where a training worker's tensors live
 * @param lossEvery a training worker copies the losses to the host every this many steps
 * @param keptStates how many committed trial states a training worker keeps in memory for the task
 *     that continues one (0 turns it off); each costs its model and optimizer state in memory
 * @param warmUp trials a training worker prepares for before it takes a task (see
 *     {@link SegmentRunner#warmUp}): one per distinct data set, model and batch size of the specs given
 */
public record WorkerSettings(String workerId, KafkaSettings kafka, S3Settings s3, int threads, Duration progressEvery,
        int maxDeliveries, Path featurenetDir, Path cacheDir, String inception, String inceptionSha256,
        String inceptionReference, StoreRoots storeRoots, long statisticsCacheBytes, int keptStates,
        ComputeDevice device, int lossEvery, List<ExperimentPlan.Trial> warmUp) {
    /** More would rarely hit (a trial's next task goes to whichever worker asks first) and only cost memory. */
    public static final int MAX_KEPT_STATES = 8;

    /** 20 GB: a few hundred data set and extractor pairs, or a handful of Inception ones with their real features. */
    public static final long DEFAULT_STATISTICS_CACHE_BYTES = 20L << 30;

    public WorkerSettings {
        if (workerId == null || !workerId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("worker id '" + workerId + "': 1-64 letters, digits, '.', '_' or '-'");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("worker threads must be at least 1 (got " + threads + ")");
        }
        if (progressEvery.isNegative() || progressEvery.isZero()) {
            throw new IllegalArgumentException("progress interval must be positive (got " + progressEvery + ")");
        }
        if (inceptionSha256 != null && !inceptionSha256.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("Inception SHA-256 '" + inceptionSha256 + "' is not 64 hex digits");
        }
        if (statisticsCacheBytes < 0) {
            throw new IllegalArgumentException("statistics cache limit must not be negative (got " + statisticsCacheBytes + ")");
        }
        if (device == null) {
            throw new IllegalArgumentException("worker device must be given (cpu, gpu or gpu:N)");
        }
        if (lossEvery < 1) {
            throw new IllegalArgumentException("losses must be read at least every step (got every " + lossEvery + ")");
        }
        if (keptStates < 0 || keptStates > MAX_KEPT_STATES) {
            throw new IllegalArgumentException("kept states must be 0 to " + MAX_KEPT_STATES + " (got " + keptStates + ")");
        }
        warmUp = List.copyOf(warmUp);
        if (maxDeliveries < 1 || maxDeliveries >= TopicSetup.DELIVERY_LIMIT) {
            throw new IllegalArgumentException("max deliveries must be 1 to " + (TopicSetup.DELIVERY_LIMIT - 1)
                    + ", below the work queues' delivery limit (got " + maxDeliveries + ")");
        }
    }

    /** Throwaway steps per warmed trial: the first steps carry the one-time costs. */
    public static final int WARM_UP_STEPS = 2;

    /** The trials of these plans worth warming: one per distinct data set, model and batch size. */
    public static List<ExperimentPlan.Trial> warmUpTrials(List<ExperimentPlan> plans) {
        Map<List<Object>, ExperimentPlan.Trial> distinct = new LinkedHashMap<>();
        for (ExperimentPlan plan : plans) {
            for (ExperimentPlan.Trial trial : plan.trials()) {
                ExperimentSpec spec = trial.spec();
                distinct.putIfAbsent(List.of(spec.dataset(), spec.model(), spec.training().batchSize()), trial);
            }
        }
        return List.copyOf(distinct.values());
    }

    public static Path defaultCacheDir() {
        return CacheLayout.defaultLocation().root();
    }
}
