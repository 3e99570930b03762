package dev.gantry.chaos;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.local.LocalCluster;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.storage.S3ObjectStore;
import dev.gantry.storage.Stores;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.StateHash;
import dev.gantry.training.Trainer;
import dev.gantry.training.TrainingState;
import dev.gantry.worker.SegmentRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A chaos run: an experiment in local mode while a seeded schedule injects faults, then the
 * checks that nothing was lost: every trial done, each final checkpoint bitwise equal to the same
 * trial trained once without faults in this process, every checkpoint retention keeps still
 * committed, nothing deleted or written outside the experiment's own prefixes.
 */
public final class ChaosRun {
    /** A bucket no gantry process is given as a root: forged messages point at it; it must stay as it was. */
    static final String OUTSIDE_NAME = "gantry-outside";
    static final String OUTSIDE_URI = "s3://" + OUTSIDE_NAME + "/";
    private static final String SENTINEL = "sentinel/keep.txt";
    private static final byte[] SENTINEL_BYTES = "retention and forged messages must never touch this".getBytes(
            StandardCharsets.UTF_8);

    /**
     * @param duration how long faults are injected; the run then waits (up to {@code completion})
     *     for the experiment to finish without faults
     */
    public record Options(Path dir, int trainWorkers, int evalWorkers, int threads, Path featurenetDir, Path cacheDir,
            Duration duration, Duration completion, Duration minGap, Duration maxGap, long seed) {}

    private ChaosRun() {}

    public static ChaosReport run(ExperimentPlan plan, String yaml, String source, Options o, Consumer<String> log)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
        Map<Fault, Integer> skipped = new EnumMap<>(Fault.class);
        List<ChaosReport.Check> checks = new ArrayList<>();
        List<String> restarts = new ArrayList<>();
        List<TrialState> finalStates;
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(o.dir(), true, o.threads(),
                o.featurenetDir(), o.cacheDir(), 6000, List.of()))) {
            // Ctrl-C or SIGTERM mid-run must not leave the cluster's processes behind.
            Thread stopCluster = new Thread(cluster::close, "chaos-stop-cluster");
            Runtime.getRuntime().addShutdownHook(stopCluster);
            List<String> trainers = new ArrayList<>();
            List<String> evaluators = new ArrayList<>();
            for (int i = 0; i < o.trainWorkers(); i++) {
                trainers.add(cluster.addTrainWorker());
            }
            for (int i = 0; i < o.evalWorkers(); i++) {
                evaluators.add(cluster.addEvalWorker());
            }
            try (Stores stores = new Stores(cluster.s3().orElseThrow());
                    S3ObjectStore outside = new S3ObjectStore(cluster.s3().orElseThrow(), OUTSIDE_NAME);
                    ExperimentClient client = new ExperimentClient(cluster.kafka());
                    ClusterView view = new ClusterView(cluster.kafka())) {
                outside.createBucketIfMissing();
                outside.put(SENTINEL, SENTINEL_BYTES);
                Stores.Location root = stores.locate(cluster.storeRoot());
                root.store().put(root.keyPrefix() + SENTINEL, SENTINEL_BYTES);
                String id = client.submit(yaml, source, null);
                log.accept("experiment " + id + ": " + plan.trials().size() + " trial(s); injecting faults for "
                        + o.duration() + " (seed " + o.seed() + ")");
                FaultSchedule schedule = new FaultSchedule(o.seed(), o.minGap(), o.maxGap());
                FaultInjector injector = new FaultInjector(cluster, view, stores, id, schedule, trainers, evaluators);
                long faultsUntil = System.nanoTime() + o.duration().toNanos();
                long next = System.nanoTime() + schedule.nextGap().toNanos();
                while (System.nanoTime() < faultsUntil && !finished(view, id, plan)) {
                    view.poll(Duration.ofMillis(500));  // also the pause between faults
                    supervise(injector, log, restarts);
                    if (System.nanoTime() < next) {
                        continue;
                    }
                    Fault fault = schedule.nextFault();
                    Optional<String> what = injector.inject(fault);
                    (what.isPresent() ? injected : skipped).merge(fault, 1, Integer::sum);
                    log.accept(String.format("%6.0f s  %-28s %s", (System.nanoTime() - started) / 1e9,
                            fault.name().toLowerCase().replace('_', '-'), what.orElse("n/a: " + injector.skipReason())));
                    next = System.nanoTime() + schedule.nextGap().toNanos();
                }
                log.accept("faults stopped; waiting for the experiment to finish");
                long deadline = System.nanoTime() + o.completion().toNanos();
                while (!finished(view, id, plan) && System.nanoTime() < deadline) {
                    view.poll(Duration.ofSeconds(1));
                    supervise(injector, log, restarts);
                }
                finalStates = view.catchUp().experiment(id);
                checks.add(allDone(finalStates, plan));
                checks.add(retentionKept(finalStates, stores));
                checks.add(sentinels(root, outside));
                checks.add(onlyOwnPrefixes(root, id));
                Map<String, String> clusterHashes = new java.util.LinkedHashMap<>();
                for (TrialState t : finalStates) {
                    clusterHashes.put(t.getTrial().getTrialId(), stateHash(stores, t));
                }
                checks.addAll(bitwise(plan, id, clusterHashes, o, log));
            }
            Runtime.getRuntime().removeShutdownHook(stopCluster);
        }
        return new ChaosReport(injected, skipped, checks, restarts, o.seed(), (System.nanoTime() - started) / 1e9);
    }

    private static void supervise(FaultInjector injector, Consumer<String> log, List<String> restarts)
            throws IOException, InterruptedException {
        for (String r : injector.restartExited()) {
            log.accept("supervisor: restarted " + r);
            restarts.add(r);
        }
    }

    private static boolean finished(ClusterView view, String id, ExperimentPlan plan) {
        List<TrialState> states = view.experiment(id);
        return states.size() == plan.trials().size() && states.stream().allMatch(ClusterView::finished);
    }

    private static ChaosReport.Check allDone(List<TrialState> states, ExperimentPlan plan) {
        List<String> notDone = states.stream().filter(t -> t.getPhase() != TrialState.Phase.DONE)
                .map(t -> t.getTrial().getTrialId() + " " + t.getPhase() + " " + t.getFailureReason()).toList();
        boolean all = states.size() == plan.trials().size() && notDone.isEmpty();
        return new ChaosReport.Check("every trial finished (done)", all,
                all ? states.size() + " trials" : states.size() + "/" + plan.trials().size() + " known; " + notDone);
    }

    private static ChaosReport.Check retentionKept(List<TrialState> states, Stores stores) {
        List<String> missing = new ArrayList<>();
        int kept = 0;
        for (TrialState t : states) {
            for (CheckpointRef c : t.getKeptList()) {
                kept++;
                Stores.Location at = stores.locate(c.getUri());
                if (!new CheckpointStore(at.store()).exists(at.keyPrefix())) {
                    missing.add(c.getUri());
                }
            }
        }
        return new ChaosReport.Check("every checkpoint retention keeps exists", missing.isEmpty(),
                missing.isEmpty() ? kept + " checkpoints" : "missing " + missing);
    }

    private static ChaosReport.Check sentinels(Stores.Location root, S3ObjectStore outside) {
        boolean inRoot = root.store().get(root.keyPrefix() + SENTINEL).map(b -> Arrays.equals(b, SENTINEL_BYTES))
                .orElse(false);
        List<String> outsideKeys = outside.list("");
        boolean outsideUntouched = outsideKeys.equals(List.of(SENTINEL))
                && outside.get(SENTINEL).map(b -> Arrays.equals(b, SENTINEL_BYTES)).orElse(false);
        return new ChaosReport.Check("nothing deleted or written outside the roots", inRoot && outsideUntouched,
                (inRoot ? "" : "the bucket's sentinel was deleted or changed; ")
                        + (outsideUntouched ? "" : OUTSIDE_URI + " now holds " + outsideKeys));
    }

    private static ChaosReport.Check onlyOwnPrefixes(Stores.Location root, String experimentId) {
        List<String> stray = root.store().list(root.keyPrefix()).stream()
                .map(k -> k.substring(root.keyPrefix().length()))
                .filter(k -> !k.startsWith("experiments/" + experimentId + "/") && !k.startsWith("stats/")
                        && !k.equals(SENTINEL) && !k.startsWith(SegmentRunner.START_PROBE))
                .toList();
        return new ChaosReport.Check("the bucket holds only the experiment's keys", stray.isEmpty(),
                stray.isEmpty() ? "" : "stray keys " + stray.subList(0, Math.min(5, stray.size())));
    }

    private static String stateHash(Stores stores, TrialState t) {
        if (!t.hasLatest()) {
            return "none";
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Stores.Location at = stores.locate(t.getLatest().getUri());
            try (TrainingState state = CheckpointCodec.decode(new CheckpointStore(at.store()).read(at.keyPrefix()),
                    manager, t.getLatest().getUri())) {
                return StateHash.of(state);
            }
        } catch (RuntimeException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** Each trial trained once here, with the workers' thread count, against its final checkpoint. */
    private static List<ChaosReport.Check> bitwise(ExperimentPlan plan, String id, Map<String, String> clusterHashes,
            Options o, Consumer<String> log) {
        EngineSetup.configure(o.threads());
        List<ChaosReport.Check> out = new ArrayList<>();
        for (int i = 0; i < plan.trials().size(); i++) {
            ExperimentPlan.Trial trial = plan.trials().get(i);
            String trialId = String.format("%s-t%03d", id, i);
            log.accept("training " + trialId + " (" + trial.label() + ") without faults for the bitwise check");
            String reference = onComputeThread(() -> referenceHash(trial, o));
            String cluster = clusterHashes.getOrDefault(trialId, "none");
            out.add(new ChaosReport.Check("final checkpoint bitwise: " + trialId, reference.equals(cluster),
                    reference.equals(cluster) ? "state-sha256 " + reference.substring(0, 16)
                            : "cluster " + cluster + " vs fault-free " + reference));
        }
        return out;
    }

    /**
     * On a thread that sets its own OpenMP thread count, as workers' compute threads do: the
     * engine may already be loaded here with another count, and the bits depend on it.
     */
    private static String onComputeThread(java.util.concurrent.Callable<String> work) {
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor(
                EngineSetup.computeThreads("chaos-reference"));
        try {
            return thread.submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the fault-free reference failed: " + e.getCause(), e.getCause());
        } finally {
            thread.shutdownNow();
        }
    }

    private static String referenceHash(ExperimentPlan.Trial trial, Options o) {
        var spec = trial.spec();
        LabeledImages data = Datasets.open(spec.dataset(), spec.model().imageSize(),
                new dev.gantry.cluster.CacheLayout(o.cacheDir()).fashionMnistDownloads());
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(spec, trial.specYaml(),
                        spec.model().resolve(data.channels(), data.numClasses()), data.classNames(), manager)) {
            Trainer trainer = new Trainer(state, data);
            for (long s = 0; s < spec.training().steps(); s++) {
                trainer.step();
            }
            return StateHash.of(state);
        }
    }
}
