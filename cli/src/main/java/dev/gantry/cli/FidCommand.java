package dev.gantry.cli;

import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.FrechetDistance;
import dev.gantry.evaluation.GaussianStats;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatsAccumulator;
import dev.gantry.evaluation.features.FeatureExtractor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    ExtractorOptions extractorOptions;

    @Override
    public Integer call() {
        ExtractorOptions.requireExists(a, b);
        boolean folders = Files.isDirectory(a) || Files.isDirectory(b);
        FeatureExtractor extractor = folders ? extractorOptions.open() : null;
        try {
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

    private GaussianStats stats(Path p, FeatureExtractor extractor) {
        if (!Files.isDirectory(p)) {
            return Npz.readStats(p);
        }
        LabeledImages images = extractorOptions.images(p, extractor);
        StatsAccumulator acc = new StatsAccumulator(extractor.featureDim());
        int batch = 50;
        try (ProgressBar bar = Progress.bar(p.getFileName().toString(), images.count())) {
            for (int start = 0; start < images.count(); start += batch) {
                int n = Math.min(batch, images.count() - start);
                acc.add(extractor.features(images.range(start, n), n, images.channels(), images.size()), n);
                bar.stepBy(n);
            }
        }
        return acc.stats();
    }
}
