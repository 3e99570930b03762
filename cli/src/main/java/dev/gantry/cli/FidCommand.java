package dev.gantry.cli;

import dev.gantry.config.ExitException;
import dev.gantry.data.ImageFolder;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.FrechetDistance;
import dev.gantry.evaluation.GaussianStats;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatisticsException;
import dev.gantry.evaluation.StatsAccumulator;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.evaluation.features.FeatureExtractor;
import dev.gantry.evaluation.features.InceptionReference;
import dev.gantry.evaluation.features.InceptionV3;
import dev.gantry.evaluation.features.VerifiedExtractors;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fid", mixinStandardHelpOptions = true,
        description = {"Print the FID of two image sets, like pytorch-fid's command line.",
                "A and B are pytorch-fid .npz statistics (arrays mu and sigma) or folders of images (searched",
                "recursively: png, jpg, bmp, gif). Folders need a feature extractor: an Inception v3 TorchScript file",
                "(--inception) or gantry's fmnist-cnn-v1 (the default; grayscale 32x32)."},
        footer = {"", "Examples:", "  gantry fid real_stats.npz generated_stats.npz",
                "  gantry fid real_images/ generated_images/ --inception inception-2015-12-05.pt --inception-sha256 HEX",
                "  gantry fid real_images/ generated_images/               # fid[fmnist-cnn-v1]",
                "", "Prints 'FID: <value>' (or 'fid[<extractor>]: <value>' when the extractor is not the published",
                "Inception v3, whose SHA-256 must be given with --inception-sha256 or $GANTRY_INCEPTION_SHA256)."})
final class FidCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = ".npz statistics or an image folder")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = ".npz statistics or an image folder")
    Path b;

    @Option(names = "--inception", paramLabel = "FILE", description = "Inception v3 TorchScript (inception-2015-12-05.pt)")
    Path inception;

    @Option(names = "--inception-sha256", paramLabel = "HEX",
            description = "SHA-256 of the published Inception file (default: $GANTRY_INCEPTION_SHA256)")
    String inceptionSha256;

    @Option(names = "--inception-reference", paramLabel = "NPZ",
            description = "PyTorch's features of fixed images for that file, checked first (default: <file>.reference.npz if present)")
    String inceptionReference;

    @Option(names = "--featurenet", description = "fmnist-cnn-v1 weights (default: ~/.cache/gantry/featurenets/fmnist-cnn-v1)")
    Path featurenet;

    @Option(names = "--size", description = "image size fed to the extractor (default: 299 for Inception, 32 for fmnist-cnn-v1)")
    Integer size;

    @Override
    public Integer call() {
        for (Path p : new Path[] {a, b}) {
            if (!Files.isDirectory(p) && !Files.isRegularFile(p)) {
                throw ExitException.badInput(p + ": no such file or directory");
            }
        }
        boolean folders = Files.isDirectory(a) || Files.isDirectory(b);
        FeatureExtractor extractor = null;
        try {
            if (folders) {
                EngineSetup.configure(null);
                String sha = inceptionSha256 != null ? inceptionSha256 : System.getenv("GANTRY_INCEPTION_SHA256");
                extractor = inception != null
                        ? VerifiedExtractors.inception(InceptionV3.load(inception, sha),
                                InceptionReference.find(inceptionReference, inception.toString()), FidCommand::report)
                        : VerifiedExtractors.featureNet(
                                FashionFeatureNet.load(featurenet != null ? featurenet : FeaturenetCommand.defaultDir()),
                                FidCommand::report);
            }
            GaussianStats sa = stats(a, extractor);
            GaussianStats sb = stats(b, extractor);
            double fid = FrechetDistance.between(sa, sb, a.toString(), b.toString());
            String name = extractor == null ? "FID" : extractor.isStandardInception() ? "FID" : extractor.metricName("fid");
            System.out.println(name + ": " + fid);
            return 0;
        } finally {
            if (extractor != null) {
                extractor.close();
            }
        }
    }

    private static void report(Check check) {
        if (!check.passed() || check.ran() && check.tolerance() > 0) {
            System.err.println(check.line());
        }
    }

    private GaussianStats stats(Path p, FeatureExtractor extractor) {
        if (!Files.isDirectory(p)) {
            return Npz.readStats(p);
        }
        boolean isInception = extractor instanceof InceptionV3;
        int channels = isInception ? 3 : 1;
        int s = size != null ? size : isInception ? 299 : 32;
        LabeledImages images = ImageFolder.loadAll(p, channels, s);
        if (images.count() < 2) {
            throw new StatisticsException(p + ": needs at least 2 images for a covariance, found " + images.count());
        }
        StatsAccumulator acc = new StatsAccumulator(extractor.featureDim());
        int batch = 50;
        try (ProgressBar bar = Progress.bar(p.getFileName().toString(), images.count())) {
            for (int start = 0; start < images.count(); start += batch) {
                int n = Math.min(batch, images.count() - start);
                acc.add(extractor.features(images.range(start, n), n, channels, s), n);
                bar.stepBy(n);
            }
        }
        return acc.stats();
    }
}
