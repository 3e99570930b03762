package dev.gantry.cli;

import dev.gantry.config.ExitStatus;
import dev.gantry.evaluation.features.FeatureExtractor;
import dev.gantry.evaluation.metrics.Features;
import dev.gantry.evaluation.metrics.KernelInceptionDistance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "kid", mixinStandardHelpOptions = true,
        description = {"Kernel Inception Distance between two image sets (A real, B generated).",
                "The unbiased MMD^2 under the cubic polynomial kernel, mean and standard deviation over random subsets",
                "(torch-fidelity's and clean-fid's defaults: 100 subsets of 1000). A and B are image folders or N x d",
                ".npy feature files. Prints 'kid MEAN STD' (kid[<extractor>] for another network than Inception)."},
        footer = {"", "Examples:", "  gantry kid real_features.npy generated_features.npy",
                "  gantry kid real_images/ generated_images/ --subsets 50 --subset-size 500 --seed 1"})
final class KidCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "real: an image folder or an N x d .npy feature file")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "generated: an image folder or an N x d .npy feature file")
    Path b;

    @Mixin
    KidOptions kidOptions;

    @Mixin
    ExtractorOptions extractorOptions;

    @Override
    public Integer call() {
        ExtractorOptions.requireExists(a, b);
        FeatureExtractor extractor = Files.isDirectory(a) || Files.isDirectory(b) ? extractorOptions.open() : null;
        try {
            Features real = extractorOptions.features(a, extractor);
            Features fake = extractorOptions.features(b, extractor);
            KernelInceptionDistance.Result kid = kidOptions.compute(real, fake);
            System.out.printf(Locale.ROOT, "%s %.8g %.8g%n", MetricsCommand.name("kid", extractor), kid.mean(), kid.std());
            return ExitStatus.OK;
        } finally {
            if (extractor != null) {
                extractor.close();
            }
        }
    }
}
