package dev.gantry.worker;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.cluster.MetricNames;
import dev.gantry.data.Datasets;
import dev.gantry.data.FashionMnist;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.CheckpointEvaluator;
import dev.gantry.evaluation.ClassStatistics;
import dev.gantry.evaluation.ReferenceStatistics;
import dev.gantry.evaluation.StatisticsException;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.evaluation.features.FeatureExtractor;
import dev.gantry.evaluation.features.InceptionReference;
import dev.gantry.evaluation.features.InceptionV3;
import dev.gantry.evaluation.features.VerifiedExtractors;
import dev.gantry.evaluation.metrics.LabeledFeatures;
import dev.gantry.evaluation.metrics.SetMetrics;
import dev.gantry.failure.BadTaskException;
import dev.gantry.observability.SelfTestMetrics;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.selftest.Check;
import dev.gantry.spec.DatasetSpec;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.storage.StoreRoots;
import dev.gantry.storage.Stores;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates one checkpoint: FID and intra-FID of its generator against the real split's cached
 * statistics. Deterministic for (checkpoint, eval seed, sample counts), so a redelivered
 * evaluation publishes the same numbers under the same key.
 */
final class EvaluationRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EvaluationRunner.class);

    private final Stores stores;
    private final WorkerSettings settings;
    /** Reference statistics in memory, the most recently used few: a worker serving many data sets stays bounded. */
    private final Map<String, ClassStatistics> reference = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ClassStatistics> eldest) {
            return size() > IN_MEMORY_REFERENCES;
        }
    };
    private FashionFeatureNet featureNet;
    private InceptionV3 inception;

    EvaluationRunner(Stores stores, WorkerSettings settings) {
        this.stores = stores;
        this.settings = settings;
    }

    private static final int IN_MEMORY_REFERENCES = 8;

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private StatisticsCacheBudget budget() {
        return new StatisticsCacheBudget(cache().statistics(), settings.statisticsCacheBytes());
    }

    private CacheLayout cache() {
        return new CacheLayout(settings.cacheDir());
    }

    /**
     * Loads and self-tests, before any task is taken, the extractors this machine can load now
     * (fmnist-cnn-v1 when trained, an Inception file on local disk): a machine that computes them
     * wrongly exits before it takes a task, instead of taking and handing back task after task.
     */
    void preload() {
        if (Files.isRegularFile(settings.featurenetDir().resolve(FashionFeatureNet.WEIGHTS))) {
            extractor(FashionFeatureNet.ID);
        }
        if (settings.inception() != null && !settings.inception().contains("://")) {
            extractor(InceptionV3.ID);
        }
    }

    static String metricDefinition(EvaluationTask task, String extractorId) {
        return MetricNames.definition(extractorId, task.getSplit(), task.getSamplesPerClass(), task.getEvalSeed(),
                generator(task));
    }

    /** The task's generator; a name this worker does not know is a bad task, never a silent raw evaluation. */
    static GeneratorChoice generator(EvaluationTask task) {
        return GeneratorChoice.bySpecName(task.getGenerator()).orElseThrow(() -> new BadTaskException("evaluation "
                + task.getTaskId() + ": generator '" + task.getGenerator() + "' is not raw or ema"));
    }

    private static void selfTested(Check check) {
        log.info("self-test: {}", check.line());
        if (check.ran()) {
            SelfTestMetrics.record(check.name(), check.passed());
        }
    }

    /** The metrics a task asks for beside FID; an unknown name is a bad task, never silently dropped. */
    static Set<MetricNames.SetMetric> otherMetrics(EvaluationTask task) {
        Set<MetricNames.SetMetric> out = EnumSet.noneOf(MetricNames.SetMetric.class);
        for (String name : task.getMetricsList()) {
            out.add(MetricNames.SetMetric.bySpecName(name).orElseThrow(() -> new BadTaskException("evaluation "
                    + task.getTaskId() + ": metric '" + name + "' is not one of " + MetricNames.SetMetric.specNames())));
        }
        out.remove(MetricNames.SetMetric.FID);
        return out;
    }

    /** Real features for the set metrics, from this worker's cache (a damaged entry is computed again). */
    private LabeledFeatures realFeatures(DatasetSpec spec, int size, FeatureExtractor extractor) throws IOException {
        LabeledImages data = Datasets.open(spec, size, cache().fashionMnistDownloads());
        String key = ReferenceStatistics.key(data, extractor);
        try {
            LabeledFeatures features = ReferenceStatistics.features(data, extractor, cache().statistics(), key);
            budget().used(cache().statistics().resolve(key));
            return features;
        } catch (StatisticsException damaged) {
            log.warn("real features {} unreadable ({}); computing them again", key, damaged.getMessage());
            Files.deleteIfExists(cache().statistics().resolve(key).resolve(ReferenceStatistics.LABELS));
            return ReferenceStatistics.features(data, extractor, cache().statistics(), key);
        }
    }

    /**
     * The generated features kept in the store beside the shared statistics, so any metric can be
     * computed again later without regenerating images: "generated/TRIAL/step-S/DEFINITION.npy"
     * (float32, at most LabeledFeatures.MAX_ROWS rows) with its labels; none without a stats root.
     */
    private Optional<String> keepFeatures(EvaluationTask task, LabeledFeatures generated) {
        if (task.getStatsRoot().isEmpty()) {
            return Optional.empty();
        }
        Stores.Location root = stores.locate(task.getStatsRoot());
        String name = MetricNames.fileSafe(metricDefinition(task, task.getExtractorId()));
        String key = root.keyPrefix() + "generated/" + MetricNames.fileSafe(task.getTrial().getTrialId()) + "/step-"
                + task.getCheckpoint().getStep() + "/" + name;
        root.store().put(key + ".labels.npy", generated.labelsNpy());
        root.store().put(key + ".npy", generated.featuresNpy());
        return Optional.of(task.getStatsRoot() + (task.getStatsRoot().endsWith("/") ? "" : "/")
                + key.substring(root.keyPrefix().length()) + ".npy");
    }

    EvaluationResult run(EvaluationTask task) throws IOException {
        long started = System.nanoTime();
        StoreRoots roots = settings.storeRoots();
        TaskChecks.evaluation(task, roots);  // before any work
        GeneratorChoice generator = generator(task);
        FeatureExtractor extractor = extractor(task.getExtractorId());
        Stores.Location at = stores.locate(task.getCheckpoint().getUri());
        // The manifest the event named (when it names one): after a quarantine and a recompute the
        // bytes differ, and a result must describe the checkpoint its message points at.
        Map<String, byte[]> files = new CheckpointStore(at.store()).read(at.keyPrefix(), new CheckpointStore.Expected(
                task.getCheckpoint().getStep(), "", task.getCheckpoint().getManifestSha256()));
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = CheckpointCodec.decode(files, manager, task.getCheckpoint().getUri())) {
            if (generator == GeneratorChoice.EMA && !state.model().hasEmaGenerator()) {
                throw new BadTaskException("evaluation " + task.getTaskId() + ": generator ema, but the checkpoint "
                        + task.getCheckpoint().getUri() + " keeps no EMA generator (its spec has no training.ema)");
            }
            DatasetSpec ds = state.spec().dataset();
            ds.path().ifPresent(p -> roots.require(p, "evaluation " + task.getTaskId() + " spec dataset.path"));
            DatasetSpec realSpec = new DatasetSpec(ds.kind(), ds.path(), task.getSplit(), ds.channels());
            int size = state.modelConfig().imageSize();
            ClassStatistics real = reference(realSpec, size, extractor, task.getStatsRoot());
            int[] counts = null;
            if (task.getSamplesPerClass() > 0) {
                counts = new int[state.classNames().size()];
                Arrays.fill(counts, task.getSamplesPerClass());
            }
            Set<MetricNames.SetMetric> others = otherMetrics(task);
            LabeledFeatures.Builder kept = others.isEmpty() ? null
                    : new LabeledFeatures.Builder(extractor.featureDim(), state.classNames().size());
            CheckpointEvaluator.Result result = CheckpointEvaluator.evaluate(state.model(), generator, state.classNames(),
                    extractor, real, counts, task.getEvalSeed(), kept, n -> { });
            EvaluationResult.Builder b = EvaluationResult.newBuilder().setTrial(task.getTrial())
                    .setStep(task.getCheckpoint().getStep()).setCheckpoint(task.getCheckpoint())
                    .setExtractorId(extractor.id()).setMetricDefinition(metricDefinition(task, extractor.id()))
                    .setFid(result.fid()).setIntraFid(result.intraFid().mean())
                    .putAllPerClassFid(result.intraFid().perClass()).setWorkerId(settings.workerId())
                    .setComputedAtMs(System.currentTimeMillis()).setSamplesPerClass(task.getSamplesPerClass())
                    .setRequestedAtMs(task.getRequestedAtMs());
            if (kept != null) {
                LabeledFeatures generated = kept.build();
                LabeledFeatures realFeatures = realFeatures(realSpec, size, extractor);
                SetMetrics.Values v;
                try {
                    v = SetMetrics.compute(realFeatures, generated, state.classNames(), others, task.getEvalSeed());
                } catch (StatisticsException tooFew) {
                    // Too few samples for KID's subsets or the k-th neighbour: the same on every delivery.
                    throw new BadTaskException("evaluation " + task.getTaskId() + ": " + tooFew.getMessage());
                }
                b.putAllMetrics(v.values()).putAllPerClassKid(v.perClassKid()).setMetricSettings(v.settings());
                keepFeatures(task, generated).ifPresent(b::setFeaturesUri);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long images = Arrays.stream(result.samplesPerClass()).asLongStream().sum();
            WorkerMetrics.evaluated(task.getRequestedAtMs() > 0
                    ? (System.currentTimeMillis() - task.getRequestedAtMs()) / 1e3 : -1, images / Math.max(seconds, 1e-9));
            return b.setSeconds(seconds).build();
        }
    }

    /**
     * Real statistics: from this worker's memory, else its disk cache, else the shared store
     * ({@code statsRoot}), else computed here, then shared through the store for every other eval
     * worker. In the store, the class files go first and all.npz last with a conditional write,
     * so all.npz marks a complete entry, as on disk.
     */
    private ClassStatistics reference(DatasetSpec spec, int size, FeatureExtractor extractor, String statsRoot)
            throws IOException {
        String memoryKey = spec + "@" + size + "/" + extractor.id();
        ClassStatistics cached = reference.get(memoryKey);
        if (cached != null) {
            WorkerMetrics.statistics("hit");
            return cached;
        }
        LabeledImages data = Datasets.open(spec, size, cache().fashionMnistDownloads());
        Path localRoot = cache().statistics();
        String key = ReferenceStatistics.key(data, extractor);
        Path local = localRoot.resolve(key);
        Stores.Location shared = statsRoot.isEmpty() ? null : stores.locate(statsRoot);
        String prefix = shared == null ? null : shared.keyPrefix() + key + "/";
        if (shared != null && !Files.isRegularFile(local.resolve("all.npz"))
                && shared.store().get(prefix + "all.npz").isPresent()) {
            Files.createDirectories(local);
            List<String> keys = new ArrayList<>(shared.store().list(prefix));
            keys.sort(Comparator.comparing((String k) -> k.endsWith("all.npz")));  // all.npz last
            for (String k : keys) {
                byte[] bytes = shared.store().get(k).orElseThrow();
                Path target = CacheLayout.fileIn(local, k.substring(prefix.length()));
                Files.write(target.resolveSibling(target.getFileName() + ".part"), bytes);
                Files.move(target.resolveSibling(target.getFileName() + ".part"), target, StandardCopyOption.REPLACE_EXISTING);
            }
            log.info("reference statistics {} from {}", key, statsRoot);
            WorkerMetrics.statistics("shared");
        } else {
            WorkerMetrics.statistics(Files.isRegularFile(local.resolve("all.npz")) ? "hit" : "miss");
        }
        try {
            cached = ReferenceStatistics.loadOrCompute(data, extractor, localRoot, key);
        } catch (StatisticsException unreadable) {
            // A damaged cache entry (here or shared) must not break every evaluation of this data set:
            // drop both, compute afresh, and share the new one.
            log.warn("reference statistics {} unreadable ({}); computing them again", key, unreadable.getMessage());
            deleteTree(local);
            if (shared != null) {
                shared.store().delete(prefix + "all.npz");
            }
            cached = ReferenceStatistics.loadOrCompute(data, extractor, localRoot, key);
        }
        if (shared != null && shared.store().get(prefix + "all.npz").isEmpty()) {
            try (var files = Files.list(local)) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("class-")).sorted().toList()) {
                    shared.store().put(prefix + f.getFileName(), Files.readAllBytes(f));
                }
            }
            shared.store().putIfAbsent(prefix + "all.npz", Files.readAllBytes(local.resolve("all.npz")));
            log.info("reference statistics {} shared at {}", key, statsRoot);
        }
        budget().used(local);
        reference.put(memoryKey, cached);
        return cached;
    }

    private FeatureExtractor extractor(String id) {
        if (InceptionV3.ID.equals(id)) {
            if (settings.inception() == null) {
                throw new IllegalArgumentException("extractor " + id + " asked for, but this worker has no Inception file "
                        + "(--inception PATH|s3://...|https://... or GANTRY_INCEPTION)");
            }
            if (inception == null) {
                inception = VerifiedExtractors.inception(
                        InceptionV3.locate(settings.inception(), settings.inceptionSha256(), stores, settings.cacheDir()),
                        InceptionReference.find(settings.inceptionReference(), settings.inception()),
                        EvaluationRunner::selfTested);
            }
            return inception;
        }
        if (!FashionFeatureNet.ID.equals(id)) {
            throw new IllegalArgumentException("extractor '" + id + "' is not available on this worker (supported: "
                    + FashionFeatureNet.ID + ")");
        }
        if (featureNet == null) {
            Path dir = settings.featurenetDir();
            if (!Files.isRegularFile(dir.resolve(FashionFeatureNet.WEIGHTS))) {
                trainFeatureNet(dir);
            }
            featureNet = VerifiedExtractors.featureNet(FashionFeatureNet.load(dir), EvaluationRunner::selfTested);
        }
        return featureNet;
    }

    /** First use on a fresh machine: train the deterministic classifier once (a few minutes on 2 cores). */
    private void trainFeatureNet(Path dir) {
        log.warn("{} not found in {}: training it now (3 epochs, deterministic)", FashionFeatureNet.ID, dir);
        Path download = cache().fashionMnistDownloads();
        LabeledImages train = FashionMnist.load(null, "train", 32, download);
        LabeledImages test = FashionMnist.load(null, "test", 32, download);
        try {
            FashionFeatureNet.TrainingReport report = FashionFeatureNet.train(train, test, 3, 0, dir, step -> { });
            log.warn("{} trained: test accuracy {}", FashionFeatureNet.ID, report.testAccuracy());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (featureNet != null) {
            featureNet.close();
        }
        if (inception != null) {
            inception.close();
        }
    }
}
