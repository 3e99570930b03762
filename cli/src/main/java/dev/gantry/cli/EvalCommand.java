package dev.gantry.cli;

import ai.djl.ndarray.NDManager;
import dev.gantry.client.ClusterView;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.cluster.TaskIds;
import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.CheckpointEvaluator;
import dev.gantry.evaluation.ClassStatistics;
import dev.gantry.evaluation.ReferenceStatistics;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.evaluation.features.VerifiedExtractors;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.spec.DatasetSpec;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.training.TrainingState;
import dev.gantry.transport.ClusterOptions;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Compute FID and intra-FID of a checkpoint.",
                "A trial's checkpoint (TRIAL for its latest, TRIAL@STEP, or its URI) is evaluated by the cluster's eval",
                "workers: the request is published and --wait prints the result. A checkpoint directory is evaluated in",
                "this process against its dataset's real images (statistics cached per dataset, split, extractor and",
                "size). ('gantry evaluate' still works, as a hidden alias, until gantry 0.2.)"},
        footer = {"", "Examples:", "  gantry eval fmnist-small-20261123-2101-a3f9-t000@1000 --samples 500 --wait",
                "  gantry eval s3://gantry/experiments/EXP/EXP-t000/step-00001000/",
                "  gantry eval runs/a --split test",
                "", "With the fmnist-cnn-v1 extractor the metrics are named fid[fmnist-cnn-v1] and",
                "intra-fid[fmnist-cnn-v1]: they are not comparable with published (Inception) FIDs."})
class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = CheckpointTarget.SYNTAX)
    String target;

    @Option(names = "--step", description = "with TRIAL: the checkpoint's step (default: the latest)")
    Long step;

    @Option(names = {"--samples", "--per-class"},
            description = "generated images per class (default: the experiment's policy; for a directory, the real set's class counts)")
    Integer samples;

    @Option(names = "--seed", description = "evaluation noise seed (default: the experiment's policy; for a directory, 0)")
    Long seed;

    @Option(names = "--split", description = "real images to compare with, train or test (default: the experiment's policy; for a directory, test)")
    String split;

    @Option(names = "--wait", description = "cluster: wait for the result and print it")
    boolean await;

    @Option(names = "--featurenet", description = "directory: fmnist-cnn-v1 weights (default: ~/.cache/gantry/featurenets/fmnist-cnn-v1)")
    Path featurenet;

    @Option(names = "--cache", description = "directory: reference statistics cache (default: ~/.cache/gantry/stats)")
    Path cache;

    @Mixin
    GeneratorOption generator;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        if (samples != null && samples < 2) {
            throw ExitException.badInput("--samples must be at least 2 (a covariance needs two samples)");
        }
        if (split != null && !split.equals("train") && !split.equals("test")) {
            throw ExitException.badInput("--split must be train or test (got '" + split + "')");
        }
        CheckpointTarget checkpoint = CheckpointTarget.parse(target, step);
        return checkpoint instanceof CheckpointTarget.Directory d ? evaluateHere(d.dir())
                : request(CheckpointTarget.resolve((CheckpointTarget.InCluster) checkpoint, cluster));
    }

    private int request(CheckpointTarget.Resolved r) {
        String trialId = r.trial().getTrial().getTrialId();
        EvaluationPolicy p = r.trial().getSettings().getEvalPolicy();
        GeneratorChoice g = generator.given();
        if (g == GeneratorChoice.EMA && !dev.gantry.spec.SpecLoader.parse(r.trial().getSpecYaml(), trialId)
                .training().hasEma()) {
            throw ExitException.badInput("--generator ema: trial " + trialId + " keeps no EMA generator (its spec has no"
                    + " training.ema)");
        }
        EvaluationTask task = EvaluationTask.newBuilder().setTaskId(TaskIds.requestedEvaluation(trialId, r.step()))
                .setTrial(r.trial().getTrial()).setCheckpoint(CheckpointRef.newBuilder().setUri(r.uri()).setStep(r.step()))
                .setExtractorId(p.getExtractorId()).setSplit(split != null ? split : p.getSplit())
                .setSamplesPerClass(samples != null ? samples : p.getSamplesPerClass())
                .setEvalSeed(seed != null ? seed : p.getEvalSeed()).setTotalSteps(r.trial().getTotalSteps())
                .setRequestedAtMs(System.currentTimeMillis()).setStatsRoot(p.getStatsRoot())
                .setGenerator(g != null ? g.specName() : p.getGenerator()).addAllMetrics(p.getMetricsList()).build();
        try (ClusterView view = new ClusterView(cluster.kafka()); Publisher publisher = new Publisher(cluster.kafka(), "gantry-cli")) {
            view.catchUp();
            publisher.sendAndWait(Topics.EVAL_TASKS, trialId, task);
            System.out.println("evaluation of " + r.uri() + " requested");
            if (!await) {
                return ExitStatus.OK;
            }
            long deadline = System.nanoTime() + Duration.ofHours(1).toNanos();
            while (System.nanoTime() < deadline) {
                for (EvaluationResult result : view.poll(Duration.ofSeconds(1)).results(trialId)) {
                    if (result.getStep() == r.step() && result.getRequestedAtMs() == task.getRequestedAtMs()) {
                        System.out.printf(Locale.ROOT, "%s step %d: %s %.4f, intra %.4f (%s)%n", trialId, r.step(),
                                r.trial().getMetricName(), result.getFid(), result.getIntraFid(),
                                result.getMetricDefinition());
                        return ExitStatus.OK;
                    }
                }
            }
        }
        throw new ExitException(1, "no result within an hour; is an eval worker running?");
    }

    private int evaluateHere(Path dir) throws Exception {
        String realSplit = split != null ? split : "test";
        long noiseSeed = seed != null ? seed : 0;
        EngineSetup.configure(null);
        Path statistics = cache != null ? cache : CacheLayout.defaultLocation().statistics();
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = CheckpointTarget.load(new CheckpointTarget.Directory(dir), cluster, manager);
                FashionFeatureNet extractor = VerifiedExtractors.featureNet(FashionFeatureNet.load(featurenet != null
                        ? featurenet : FeaturenetCommand.defaultDir()), c -> { })) {
            GeneratorChoice g = generator.resolve(state);
            DatasetSpec ds = state.spec().dataset();
            LabeledImages real = Datasets.open(new DatasetSpec(ds.kind(), ds.path(), realSplit, ds.channels()),
                    state.modelConfig().imageSize(), TrainCommand.downloadDir());
            System.err.println("reference statistics: " + real.name() + " (" + real.count() + " images)");
            ClassStatistics stats = ReferenceStatistics.loadOrCompute(real, extractor, statistics);
            int[] counts = null;
            if (samples != null) {
                counts = new int[real.numClasses()];
                Arrays.fill(counts, samples);
            }
            long total = counts == null ? real.count() : (long) samples * real.numClasses();
            CheckpointEvaluator.Result result;
            try (ProgressBar bar = Progress.bar("generate", total)) {
                result = CheckpointEvaluator.evaluate(state.model(), g, state.classNames(), extractor, stats, counts,
                        noiseSeed, bar::stepBy);
            }
            System.out.printf("checkpoint %s, step %d, %s split, eval seed %d, %s generator%n", dir, state.step(),
                    realSplit, noiseSeed, g.specName());
            System.out.printf("%-28s %10.4f%n", result.fidName(), result.fid());
            System.out.printf("%-28s %10.4f%n", result.intraFidName(), result.intraFid().mean());
            for (Map.Entry<String, Double> e : result.intraFid().perClass().entrySet()) {
                System.out.printf("  %-26s %10.4f%n", e.getKey(), e.getValue());
            }
            return ExitStatus.OK;
        }
    }

    /** The in-process command's name before gantry 0.1.1; hidden, kept for a release. */
    @Command(name = "evaluate", hidden = true, mixinStandardHelpOptions = true,
            description = "Hidden alias of 'gantry eval', kept until gantry 0.2.")
    static final class Alias extends EvalCommand {}
}
