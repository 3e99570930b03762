package dev.gantry.cli;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointDirectory;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.data.DatasetException;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.CheckpointEvaluator;
import dev.gantry.evaluation.ClassStatistics;
import dev.gantry.evaluation.ReferenceStatistics;
import dev.gantry.evaluation.StatisticsException;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.spec.DatasetSpec;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.TrainingState;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Compute FID and intra-FID of a checkpoint in this process.",
                "Compares with the real images of the checkpoint's dataset; real statistics are cached per",
                "(dataset, split, extractor, image size)."},
        footer = {"", "Example:", "  gantry evaluate runs/a --split test",
                "", "With the fmnist-cnn-v1 extractor the metrics are named fid[fmnist-cnn-v1] and",
                "intra-fid[fmnist-cnn-v1]: they are not comparable with published (Inception) FIDs."})
final class EvaluateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "checkpoint directory")
    Path checkpoint;

    @Option(names = "--split", defaultValue = "test", description = "real images to compare with (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--per-class", description = "generated images per class (default: the real set's class counts)")
    Integer perClass;

    @Option(names = "--seed", defaultValue = "0", description = "evaluation noise seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--featurenet", description = "fmnist-cnn-v1 weights (default: ~/.cache/gantry/featurenets/fmnist-cnn-v1)")
    Path featurenet;

    @Option(names = "--cache", description = "reference statistics cache (default: ~/.cache/gantry/stats)")
    Path cache;

    @Override
    public Integer call() throws Exception {
        if (!split.equals("train") && !split.equals("test")) {
            System.err.println("--split must be train or test");
            return Main.BAD_INPUT;
        }
        if (perClass != null && perClass < 2) {
            System.err.println("--per-class must be at least 2 (a covariance needs two samples)");
            return Main.BAD_INPUT;
        }
        EngineSetup.configure(null);
        Path cacheDir = cache != null ? cache : CacheLayout.defaultLocation().statistics();
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = CheckpointCodec.decode(CheckpointDirectory.read(checkpoint), manager,
                        checkpoint.toString());
                FashionFeatureNet extractor = FashionFeatureNet.load(featurenet != null ? featurenet
                        : FeaturenetCommand.defaultDir())) {
            DatasetSpec ds = state.spec().dataset();
            LabeledImages real = Datasets.open(new DatasetSpec(ds.kind(), ds.path(), split, ds.channels()),
                    state.modelConfig().imageSize(), TrainCommand.downloadDir());
            System.err.println("reference statistics: " + real.name() + " (" + real.count() + " images)");
            ClassStatistics stats = ReferenceStatistics.loadOrCompute(real, extractor, cacheDir);
            int[] counts = null;
            if (perClass != null) {
                counts = new int[real.numClasses()];
                java.util.Arrays.fill(counts, perClass);
            }
            long total = counts == null ? real.count() : (long) perClass * real.numClasses();
            CheckpointEvaluator.Result result;
            try (ProgressBar bar = Progress.bar("generate", total)) {
                result = CheckpointEvaluator.evaluate(state.model(), state.classNames(), extractor, stats, counts, seed,
                        bar::stepBy);
            }
            System.out.printf("checkpoint %s, step %d, %s split, eval seed %d%n", checkpoint, state.step(), split, seed);
            System.out.printf("%-28s %10.4f%n", result.fidName(), result.fid());
            System.out.printf("%-28s %10.4f%n", result.intraFidName(), result.intraFid().mean());
            for (Map.Entry<String, Double> e : result.intraFid().perClass().entrySet()) {
                System.out.printf("  %-26s %10.4f%n", e.getKey(), e.getValue());
            }
            return 0;
        } catch (CheckpointException | DatasetException | StatisticsException e) {
            System.err.println(e.getMessage());
            return Main.BAD_INPUT;
        }
    }
}
