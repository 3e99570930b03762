package dev.gantry.worker;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.concurrent.Futures;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one training segment: loads (or creates) the start state, trains to the task's end step,
 * and commits the checkpoint. Pure with respect to the task: the same task always commits the
 * same bytes, which is what makes redelivery harmless. Public for in-process tests that drive the
 * scheduler's tasks through the workers' own segment code without Kafka.
 *
 * <p>What overlaps what, and why it is safe:
 * <ul>
 *   <li>The state just committed stays in memory ({@link CommittedStates}) for the task that
 *       continues it, named by checkpoint URI and manifest SHA-256: such a task skips reading and
 *       decoding its start. The state kept is the object the checkpoint was encoded from, so
 *       continuing it gives the bits a decode would.</li>
 *   <li>"Is the end checkpoint already committed?" (a redelivery) is asked on an I/O thread while
 *       the start state loads and the first steps run; nothing is committed before the answer,
 *       and a yes stops the segment and announces the committed checkpoint as before.</li>
 *   <li>The data set loads on an I/O thread while the start checkpoint is read and decoded; the
 *       start's objects download in parallel once its manifest has been checked.</li>
 *   <li>The checkpoint's objects upload in parallel, beside the commit's own "already
 *       committed?" check; the manifest, the commit point, is created after all of them.</li>
 * </ul>
 * The checkpoint event and the task's acknowledgement stay strictly after the commit (the
 * worker's part). Compute (steps, encoding, decoding) stays on the caller's thread, the worker's
 * one compute thread: DJL allows one GradientCollector per process.
 */
public final class SegmentRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SegmentRunner.class);

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

    /**
     * What {@link #warmStorage} names its probe keys with, at a store root: a probe a crash left
     * behind (killed between its write and its delete) is not a checkpoint or anyone's data.
     */
    public static final String START_PROBE = ".gantry-start-probe-";

    /** Committed states kept for a continuation unless the worker is configured otherwise. */
    public static final int DEFAULT_KEPT_STATES = 1;

    private final Stores stores;
    private final StoreRoots roots;
    /** Storage round trips and data set loads: waiting, not computing, so more threads than cores is fine. */
    private final ExecutorService io = Executors.newCachedThreadPool(daemonThreads("gantry-segment-io"));
    private final DatasetCache datasets;
    private final CommittedStates kept;

    private final Device device;
    private final int lossEvery;

    /** A runner on the CPU that reads the losses after every step. */
    public SegmentRunner(Stores stores, StoreRoots roots, Path datasetCache) {
        this(stores, roots, datasetCache, DEFAULT_KEPT_STATES, Device.cpu(), 1);
    }

    /**
     * @param keptStates committed states kept in memory for a continuation on this worker (0: none)
     * @param device where the segment's tensors live (checked by the caller against the engine)
     * @param lossEvery copy the losses to the host every this many steps (the last step's always)
     */
    public SegmentRunner(Stores stores, StoreRoots roots, Path datasetCache, int keptStates, Device device,
            int lossEvery) {
        this.stores = stores;
        this.roots = roots;
        this.device = device;
        this.lossEvery = lossEvery;
        this.kept = new CommittedStates(keptStates);
        this.datasets = new DatasetCache(new CacheLayout(datasetCache).fashionMnistDownloads(), io);
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
        CompletableFuture<Boolean> endCommitted = CompletableFuture.supplyAsync(() -> endStore.isCommittedAndSound(
                end.keyPrefix(), new CheckpointStore.Expected(task.getToStep(), task.getSpecHash(), "")), io);
        CompletableFuture<LabeledImages> dataset = datasets.load(spec);
        CommittedStates.Held held;
        String source;
        try {
            if (task.getFromStep() == 0) {
                kept.makeRoom();
                held = newState(spec, task.getSpecYaml(), await(dataset, task));
                source = "new";
            } else {
                Optional<CommittedStates.Held> memory = fromMemory(task);
                source = memory.isPresent() ? "memory" : "store";
                held = memory.isPresent() ? memory.get() : fromStore(task);
            }
        } catch (RuntimeException e) {
            if (!(e instanceof CancelledException) && await(endCommitted, task)) {
                return alreadyCommitted(end, endUri, task, started);  // the start no longer matters
            }
            throw e;
        }
        WorkerMetrics.startState(source);
        try {
            LabeledImages data = await(dataset, task);
            double startSeconds = seconds(started);
            Trainer trainer = new Trainer(held.state(), data, lossEvery);
            long trainStart = System.nanoTime();
            StepStats last = null;
            for (long s = task.getFromStep(); s < task.getToStep(); s++) {
                if (endCommitted.isDone() && await(endCommitted, task)) {  // a failed check fails now, too
                    return alreadyCommitted(end, endUri, task, started);
                }
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
            if (await(endCommitted, task)) {
                return alreadyCommitted(end, endUri, task, started);
            }
            long commitStart = System.nanoTime();
            Map<String, byte[]> files = CheckpointCodec.encode(held.state());
            CheckpointStore.Committed committed;
            try {
                committed = endStore.commit(end.keyPrefix(), held.state().step(), spec.trajectoryHash(), files, io);
            } catch (InterruptedException e) {
                throw interrupted(task);
            }
            double commitSeconds = seconds(commitStart);
            WorkerMetrics.committed(commitSeconds, files.values().stream().mapToLong(b -> b.length).sum());
            log.info("task {}: start state from {} ({} s to the first step), {} steps in {} s, commit {} s",
                    task.getTaskId(), source, round(startSeconds), task.getToStep() - task.getFromStep(),
                    round(trainingSeconds), round(commitSeconds));
            if (committed.ourBytes()) {
                // The committed checkpoint is this state's encoding: the next segment may continue it in memory.
                kept.keep(new CommittedStates.Key(endUri, committed.manifestSha256()), held);
                held = null;
            }
            CheckpointRef ref = CheckpointRef.newBuilder().setUri(endUri).setStep(task.getToStep())
                    .setManifestSha256(committed.manifestSha256()).build();
            return new Outcome(ref, committed.outcome() == CheckpointStore.Outcome.ALREADY_COMMITTED, last,
                    seconds(started), trainingSeconds);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    /**
     * Prepares this worker for a kind of trial before it takes any task: loads the spec's data set
     * into the cache, then trains a throwaway fresh state of its model for {@code steps} steps, so
     * that the first segment of such a trial neither waits for its data set nor pays the first
     * steps' one-time costs (kernel selection, the allocator's heap growing, JIT compilation). It
     * also proves the model trains here (memory, device) before a task depends on it. Nothing is
     * stored and no kept state changes.
     *
     * @param stopping asked before each step: a worker told to stop ends its warm-up there
     * @return how many steps ran (fewer when the spec trains fewer, or the worker is stopping)
     * @throws StoreRoots.OutsideRootsException when the spec's data set is outside the store roots,
     *     as every task of the spec would be refused
     */
    public long warmUp(ExperimentSpec spec, String specYaml, int steps, BooleanSupplier stopping)
            throws InterruptedException {
        spec.dataset().path().ifPresent(p -> roots.require(p, "--warm spec " + spec.name() + " dataset.path"));
        LabeledImages data = Futures.get(datasets.load(spec));
        long count = Math.min(steps, spec.training().steps());
        long ran = 0;
        try (CommittedStates.Held held = newState(spec, specYaml, data)) {
            Trainer trainer = new Trainer(held.state(), data, lossEvery);
            for (; ran < count && !stopping.getAsBoolean(); ran++) {
                trainer.step();
            }
            trainer.readLosses();
            CheckpointCodec.encode(held.state());  // the commit's encoding, compiled before a segment waits on it
        }
        return ran;
    }

    /**
     * Touches each store root the way a segment will, so that the first segment's storage round
     * trips find the client started (the S3 client's first read and first conditional write each
     * cost a good part of a second) and a store this worker cannot reach shows in its log at
     * start: a read of a key nothing writes, and under an s3:// root a conditional write of a
     * probe object named after this worker, deleted at once. Directory roots are only read (one
     * may be a data set's folder). A failure is only logged: the tasks that need the store report
     * it as before.
     */
    public void warmStorage(String workerId) {
        for (String root : roots.roots()) {
            try {
                Stores.Location location = stores.locate(root);
                location.store().get(location.keyPrefix() + START_PROBE);
                if (root.startsWith("s3://")) {
                    String probe = location.keyPrefix() + START_PROBE + workerId;
                    location.store().putIfAbsent(probe, new byte[0]);
                    location.store().delete(probe);
                }
            } catch (RuntimeException e) {
                log.warn("store root {} could not be read and written at start (a root that holds only data may be "
                        + "read-only): {}", root, e.getMessage());
            }
        }
    }

    /** Committed states in memory now (for tests). */
    int keptStates() {
        return kept.size();
    }

    private Outcome alreadyCommitted(Stores.Location end, String endUri, TrainingTask task, long started) {
        return new Outcome(ref(end, endUri, task.getToStep()), true, null, seconds(started), 0);
    }

    private static void stopIf(BooleanSupplier cancelled, TrainingTask task, long step) {
        if (cancelled.getAsBoolean()) {
            WorkerMetrics.cancelled();
            throw new CancelledException("task " + task.getTaskId() + ": trial " + task.getTrial().getTrialId()
                    + " cancelled; stopped at step " + step + " of " + task.getFromStep() + " -> " + task.getToStep());
        }
    }

    /** Interrupted while waiting (the worker gave the task up): stopped like a cancelled segment, nothing committed. */
    private static CancelledException interrupted(TrainingTask task) {
        Thread.currentThread().interrupt();
        WorkerMetrics.cancelled();
        return new CancelledException("task " + task.getTaskId() + ": interrupted while waiting for storage; nothing "
                + "committed");
    }

    /** A trial's state at step 0, on this runner's device. */
    private CommittedStates.Held newState(ExperimentSpec spec, String specYaml, LabeledImages data) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            return new CommittedStates.Held(new TrainingState(spec, specYaml,
                    spec.model().resolve(data.channels(), data.numClasses()), data.classNames(), manager), manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The state this worker committed as the task's start, when it still holds it. The manifest
     * hash pins the step and the trajectory already; checking them again costs nothing.
     */
    private Optional<CommittedStates.Held> fromMemory(TrainingTask task) {
        if (!task.hasStart()) {
            return Optional.empty();
        }
        Optional<CommittedStates.Held> held = kept.take(new CommittedStates.Key(task.getStart().getUri(),
                task.getStart().getManifestSha256()));
        if (held.isPresent() && (held.get().state().step() != task.getFromStep()
                || !held.get().state().spec().trajectoryHash().equals(task.getSpecHash()))) {
            held.get().close();
            return Optional.empty();
        }
        return held;
    }

    private CommittedStates.Held fromStore(TrainingTask task) {
        if (!task.hasStart()) {
            throw new BadTaskException("task " + task.getTaskId() + ": starts at step " + task.getFromStep()
                    + " but names no start checkpoint");
        }
        Stores.Location start = stores.locate(task.getStart().getUri());
        NDManager manager = NDManager.newBaseManager(device);
        try {
            TrainingState state;
            try {
                Map<String, byte[]> files;
                try {
                    files = new CheckpointStore(start.store()).read(start.keyPrefix(), new CheckpointStore.Expected(
                            task.getFromStep(), task.getSpecHash(), task.getStart().getManifestSha256()), io);
                } catch (InterruptedException e) {
                    throw interrupted(task);
                }
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
            return new CommittedStates.Held(state, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Waits for background work; its failure is thrown as it was thrown there, so the failure policy judges it as before. */
    private static <T> T await(CompletableFuture<T> f, TrainingTask task) {
        try {
            return Futures.get(f);
        } catch (InterruptedException e) {
            throw interrupted(task);
        }
    }

    private static CheckpointRef ref(Stores.Location location, String uri, long step) {
        byte[] manifest = location.store().get(location.keyPrefix() + Manifest.FILE_NAME)
                .orElseThrow(() -> new StorageException(uri + ": manifest vanished after commit (will be retried)"));
        return CheckpointRef.newBuilder().setUri(uri).setStep(step).setManifestSha256(Manifest.sha256(manifest)).build();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static String round(double seconds) {
        return String.format(java.util.Locale.ROOT, "%.3f", seconds);
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Frees the kept states; call once no segment runs any more. */
    @Override
    public void close() {
        io.shutdownNow();
        kept.close();
    }
}
