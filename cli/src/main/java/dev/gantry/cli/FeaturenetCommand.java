package dev.gantry.cli;

import dev.gantry.cluster.CacheLayout;
import dev.gantry.config.ExitException;
import dev.gantry.data.FashionMnist;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.runtime.EngineSetup;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "featurenet", mixinStandardHelpOptions = true,
        description = "Feature networks for FID on machines without the Inception weights.",
        subcommands = {FeaturenetCommand.Train.class})
final class FeaturenetCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Trains fmnist-cnn-v1 on Debian's Fashion-MNIST into {@code dir}, with a progress bar on stderr. */
    static FashionFeatureNet.TrainingReport trainWithProgress(Path dir, int epochs, long seed) throws java.io.IOException {
        LabeledImages train = FashionMnist.load(null, "train", 32, TrainCommand.downloadDir());
        LabeledImages test = FashionMnist.load(null, "test", 32, TrainCommand.downloadDir());
        try (ProgressBar bar = Progress.bar("featurenet", (long) epochs * (train.count() / FashionFeatureNet.BATCH))) {
            return FashionFeatureNet.train(train, test, epochs, seed, dir, bar::stepTo);
        }
    }

    static Path defaultDir() {
        return CacheLayout.defaultLocation().featureNet(FashionFeatureNet.ID);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train the Fashion-MNIST classifier fmnist-cnn-v1 (deterministic for a seed and thread count)",
                    "and print its test accuracy. Metrics computed with it are named fid[fmnist-cnn-v1]."},
            footer = {"", "Example:", "  gantry featurenet train            # writes ~/.cache/gantry/featurenets/fmnist-cnn-v1"})
    static final class Train implements Callable<Integer> {
        @Option(names = "--out", description = "directory for the weights (default: ~/.cache/gantry/featurenets/fmnist-cnn-v1)")
        Path out;

        @Option(names = "--epochs", defaultValue = "3", description = "passes over the 60k training images (default: ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--seed", defaultValue = "0", description = "initialisation and data-order seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--threads", description = "intra-op threads (default: $GANTRY_THREADS or all cores)")
        Integer threads;

        @Override
        public Integer call() throws Exception {
            if (epochs < 1) {
                throw ExitException.badInput("--epochs must be at least 1");
            }
            EngineSetup.configure(threads);
            Path dir = out != null ? out : defaultDir();
            FashionFeatureNet.TrainingReport report = trainWithProgress(dir, epochs, seed);
            System.out.printf("%s: test accuracy %.4f after %d epochs (%d steps); weights sha256 %s in %s%n",
                    FashionFeatureNet.ID, report.testAccuracy(), report.epochs(), report.steps(), report.weightsSha256(), dir);
            return 0;
        }
    }
}
