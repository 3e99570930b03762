package dev.gantry.cli;

import dev.gantry.config.ExitException;
import dev.gantry.data.ImageFolder;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatisticsException;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.evaluation.features.FeatureExtractor;
import dev.gantry.evaluation.features.InceptionReference;
import dev.gantry.evaluation.features.InceptionV3;
import dev.gantry.evaluation.features.VerifiedExtractors;
import dev.gantry.evaluation.metrics.Features;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Option;

/**
 * How the metric commands (fid, kid, metrics) turn image folders into features: which feature
 * network, verified by its self-test before any number is printed, and at which image size.
 */
final class ExtractorOptions {
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

    /** The verified extractor: Inception when --inception is given, else fmnist-cnn-v1. */
    FeatureExtractor open() {
        EngineSetup.configure(null);
        String sha = inceptionSha256 != null ? inceptionSha256 : System.getenv("GANTRY_INCEPTION_SHA256");
        return inception != null
                ? VerifiedExtractors.inception(InceptionV3.load(inception, sha),
                        InceptionReference.find(inceptionReference, inception.toString()), ExtractorOptions::report)
                : VerifiedExtractors.featureNet(
                        FashionFeatureNet.load(featurenet != null ? featurenet : FeaturenetCommand.defaultDir()),
                        ExtractorOptions::report);
    }

    private static void report(Check check) {
        if (!check.passed() || check.ran() && check.tolerance() > 0) {
            System.err.println(check.line());
        }
    }

    /** The images of a folder, as the extractor takes them. */
    LabeledImages images(Path folder, FeatureExtractor extractor) {
        boolean isInception = extractor instanceof InceptionV3;
        LabeledImages images = ImageFolder.loadAll(folder, isInception ? 3 : 1, size != null ? size : isInception ? 299 : 32);
        if (images.count() < 2) {
            throw new StatisticsException(folder + ": needs at least 2 images, found " + images.count());
        }
        return images;
    }

    /** Features of a folder's images, with a progress bar; {@code extractor} is null for a .npy input. */
    Features features(Path input, FeatureExtractor extractor) {
        if (!Files.isDirectory(input)) {
            return npyFeatures(input);
        }
        LabeledImages images = images(input, extractor);
        float[] all = new float[images.count() * extractor.featureDim()];
        int batch = 50;
        try (ProgressBar bar = Progress.bar(input.getFileName().toString(), images.count())) {
            for (int start = 0; start < images.count(); start += batch) {
                int n = Math.min(batch, images.count() - start);
                float[] f = extractor.features(images.range(start, n), n, images.channels(), images.size());
                System.arraycopy(f, 0, all, start * extractor.featureDim(), f.length);
                bar.stepBy(n);
            }
        }
        return Features.of(all, images.count(), extractor.featureDim());
    }

    /** An N x d feature file (float32 or float64 .npy), e.g. saved pool3 features. */
    static Features npyFeatures(Path file) {
        if (!file.toString().endsWith(".npy")) {
            throw ExitException.badInput(file + ": expected an image folder or an N x d .npy feature file");
        }
        Npz.Array a = Npz.readNpy(file);
        if (a.shape().length != 2 || a.shape()[0] < 2) {
            throw new StatisticsException(file + ": features must be N x d with N >= 2, got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        return new Features((int) a.shape()[0], (int) a.shape()[1], a.values());
    }

    static void requireExists(Path... inputs) {
        for (Path p : inputs) {
            if (!Files.isDirectory(p) && !Files.isRegularFile(p)) {
                throw ExitException.badInput(p + ": no such file or directory");
            }
        }
    }
}
