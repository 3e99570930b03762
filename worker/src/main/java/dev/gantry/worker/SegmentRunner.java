package dev.gantry.worker;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.failure.BadTaskException;
import dev.gantry.failure.PermanentException;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecException;
import dev.gantry.storage.StorageException;
import dev.gantry.storage.StoreRoots;
import dev.gantry.storage.Stores;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.NonFiniteLossException;
import dev.gantry.training.StepStats;
import dev.gantry.training.Trainer;
import dev.gantry.training.TrainingState;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs one training segment: loads (or creates) the start state, trains to the task's end step,
 * and commits the checkpoint. Pure with respect to the task: the same task always commits the
 * same bytes, which is what makes redelivery harmless. Public for in-process tests that drive the
 * scheduler's tasks through the workers' own segment code without Kafka.
 */
public final class SegmentRunner {
    /** What a segment did; {@code stats} is null when the checkpoint already existed. */
    public record Outcome(CheckpointRef checkpoint, boolean alreadyCommitted, StepStats stats, double segmentSeconds,
            double trainingSeconds) {}

    public interface ProgressListener {
        void onStep(StepStats stats, double stepsPerSecond);
    }

    /** The start checkpoint is missing, corrupt or unreadable: the trial must fall back to an earlier one. */
    static final class UnusableStartException extends PermanentException {
        UnusableStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The trial was cancelled: the segment stopped, and nothing was committed. */
    static final class CancelledException extends RuntimeException {
        CancelledException(String message) {
            super(message);
        }
    }

    private final Stores stores;
    private final StoreRoots roots;
    private final Path datasetCache;
    /** Data sets in memory, the most recently used two: a worker that trains many kinds of trials stays bounded. */
    private final Map<String, LabeledImages> datasets = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LabeledImages> eldest) {
            return size() > 2;
        }
    };

    private final Device device;
    private final int lossEvery;

    /** A runner on the CPU that reads the losses after every step. */
    public SegmentRunner(Stores stores, StoreRoots roots, Path datasetCache) {
        this(stores, roots, datasetCache, Device.cpu(), 1);
    }

    /**
     * @param device where the segment's tensors live (checked by the caller against the engine)
     * @param lossEvery copy the losses to the host every this many steps (the last step's always)
     */
    public SegmentRunner(Stores stores, StoreRoots roots, Path datasetCache, Device device, int lossEvery) {
        this.stores = stores;
        this.roots = roots;
        this.datasetCache = datasetCache;
        this.device = device;
        this.lossEvery = lossEvery;
    }

    /** @param cancelled asked before the segment starts and after every step */
    public Outcome run(TrainingTask task, ProgressListener progress, BooleanSupplier cancelled) {
        long started = System.nanoTime();
        TaskChecks.steps(task);
        stopIf(cancelled, task, task.getFromStep());
        ExperimentSpec spec = TaskChecks.training(task, roots);
        String endUri = ClusterLayout.checkpointUri(task.getCheckpointUriPrefix(), task.getToStep());
        Stores.Location end = stores.locate(endUri);
        CheckpointStore endStore = new CheckpointStore(end.store());
        if (endStore.isCommittedAndSound(end.keyPrefix(),
                new CheckpointStore.Expected(task.getToStep(), task.getSpecHash(), ""))) {
            return new Outcome(ref(end, endUri, task.getToStep()), true, null, seconds(started), 0);
        }
        LabeledImages data = datasets.computeIfAbsent(spec.dataset() + "@" + spec.model().imageSize(),
                k -> Datasets.open(spec.dataset(), spec.model().imageSize(), new CacheLayout(datasetCache).fashionMnistDownloads()));
        try (NDManager manager = NDManager.newBaseManager(device);
                TrainingState state = startState(task, spec, data, manager)) {
            Trainer trainer = new Trainer(state, data, lossEvery);
            long trainStart = System.nanoTime();
            StepStats last = null;
            for (long s = task.getFromStep(); s < task.getToStep(); s++) {
                long stepStart = System.nanoTime();
                try {
                    last = trainer.step();
                    if (s + 1 == task.getToStep()) {
                        last = trainer.readLosses();  // checked before anything is committed, and the final progress report
                    }
                } catch (NonFiniteLossException e) {
                    WorkerMetrics.nonFinite();
                    throw e;
                }
                stopIf(cancelled, task, s + 1);
                double elapsed = seconds(trainStart);
                double stepsPerSecond = (s + 1 - task.getFromStep()) / Math.max(elapsed, 1e-9);
                WorkerMetrics.step(task.getTrial().getTrialId(), s + 1, seconds(stepStart), stepsPerSecond);
                progress.onStep(last, stepsPerSecond);
            }
            double trainingSeconds = seconds(trainStart);
            stopIf(cancelled, task, task.getToStep());  // given up meanwhile (lost lock, SIGTERM): commit nothing
            long commitStart = System.nanoTime();
            Map<String, byte[]> files = CheckpointCodec.encode(state);
            CheckpointStore.Outcome outcome = endStore.commit(end.keyPrefix(), state.step(), spec.trajectoryHash(), files);
            WorkerMetrics.committed(seconds(commitStart), files.values().stream().mapToLong(b -> b.length).sum());
            return new Outcome(ref(end, endUri, state.step()), outcome == CheckpointStore.Outcome.ALREADY_COMMITTED, last,
                    seconds(started), trainingSeconds);
        }
    }

    private static void stopIf(BooleanSupplier cancelled, TrainingTask task, long step) {
        if (cancelled.getAsBoolean()) {
            WorkerMetrics.cancelled();
            throw new CancelledException("task " + task.getTaskId() + ": trial " + task.getTrial().getTrialId()
                    + " cancelled; stopped at step " + step + " of " + task.getFromStep() + " -> " + task.getToStep());
        }
    }

    private TrainingState startState(TrainingTask task, ExperimentSpec spec, LabeledImages data, NDManager manager) {
        if (task.getFromStep() == 0) {
            return new TrainingState(spec, task.getSpecYaml(), spec.model().resolve(data.channels(), data.numClasses()),
                    data.classNames(), manager);
        }
        if (!task.hasStart()) {
            throw new BadTaskException("task " + task.getTaskId() + ": starts at step " + task.getFromStep()
                    + " but names no start checkpoint");
        }
        Stores.Location start = stores.locate(task.getStart().getUri());
        TrainingState state;
        try {
            Map<String, byte[]> files = new CheckpointStore(start.store()).read(start.keyPrefix(),
                    new CheckpointStore.Expected(task.getFromStep(), task.getSpecHash(), task.getStart().getManifestSha256()));
            state = CheckpointCodec.decode(files, manager, task.getStart().getUri());
        } catch (CheckpointException | SpecException e) {
            // A spec that no longer parses inside a verified checkpoint is a damaged checkpoint, not a bad task.
            throw new UnusableStartException(e.getMessage(), e);
        }
        if (state.step() != task.getFromStep() || !state.spec().trajectoryHash().equals(task.getSpecHash())) {
            state.close();
            throw new CheckpointException(task.getStart().getUri() + ": holds step " + state.step()
                    + " of another trajectory than task " + task.getTaskId() + " expects");
        }
        return state;
    }

    private static CheckpointRef ref(Stores.Location location, String uri, long step) {
        byte[] manifest = location.store().get(location.keyPrefix() + Manifest.FILE_NAME)
                .orElseThrow(() -> new StorageException(uri + ": manifest vanished after commit (will be retried)"));
        return CheckpointRef.newBuilder().setUri(uri).setStep(step).setManifestSha256(Manifest.sha256(manifest)).build();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
