package dev.gantry.cli;

import dev.gantry.cluster.MetricNames;
import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import dev.gantry.evaluation.FrechetDistance;
import dev.gantry.evaluation.GaussianStats;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatsAccumulator;
import dev.gantry.evaluation.features.FeatureExtractor;
import dev.gantry.evaluation.metrics.Features;
import dev.gantry.evaluation.metrics.KernelInceptionDistance;
import dev.gantry.evaluation.metrics.NearestNeighbourMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = {"The metrics GAN papers report, between a real (A) and a generated (B) image set, in one pass:",
                "fid, kid (100 subsets of up to 1000), pr (improved precision and recall, k = 3) and dc (density and",
                "coverage, k = 5). A and B are image folders or N x d .npy feature files; a pytorch-fid .npz of",
                "statistics allows fid alone. One line per value, name first: 'fid F', 'kid MEAN STD', 'precision P',",
                "'recall R', 'density D', 'coverage C' (names carry [<extractor>] for another network than Inception)."},
        footer = {"", "Examples:", "  gantry metrics real_features.npy generated_features.npy",
                "  gantry metrics real_images/ generated_images/ --metrics fid,pr --k 3",
                "  gantry metrics real_stats.npz generated_stats.npz --metrics fid"})
final class MetricsCommand implements Callable<Integer> {
    private static final Set<String> KNOWN = Set.of("fid", "kid", "pr", "dc");

    @Parameters(index = "0", paramLabel = "A", description = "real: an image folder, an N x d .npy feature file, or .npz statistics")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "generated: an image folder, an N x d .npy feature file, or .npz statistics")
    Path b;

    @Option(names = "--metrics", defaultValue = "fid,kid,pr,dc", split = ",",
            description = "which: fid, kid, pr, dc (default: ${DEFAULT-VALUE})")
    List<String> metrics;

    @Option(names = "--k", description = "neighbours for pr and dc (default: 3 for pr, 5 for dc)")
    Integer k;

    @Mixin
    KidOptions kidOptions;

    @Mixin
    ExtractorOptions extractorOptions;

    /** "kid" for the published Inception or raw features, "kid[fmnist-cnn-v1]" for another network. */
    static String name(String metric, FeatureExtractor extractor) {
        return extractor == null ? metric : MetricNames.name(metric, extractor.id());
    }

    @Override
    public Integer call() {
        Set<String> wanted = new LinkedHashSet<>(metrics);
        for (String m : wanted) {
            if (!KNOWN.contains(m)) {
                throw ExitException.badInput("--metrics: unknown metric '" + m + "'; known: fid, kid, pr, dc");
            }
        }
        ExtractorOptions.requireExists(a, b);
        if (a.toString().endsWith(".npz") || b.toString().endsWith(".npz")) {
            if (!wanted.equals(Set.of("fid"))) {
                throw ExitException.badInput(".npz statistics hold means and covariances only: use --metrics fid, or give "
                        + "images or .npy features");
            }
            System.out.printf(Locale.ROOT, "fid %.8g%n", FrechetDistance.between(Npz.readStats(a), Npz.readStats(b),
                    a.toString(), b.toString()));
            return ExitStatus.OK;
        }
        FeatureExtractor extractor = Files.isDirectory(a) || Files.isDirectory(b) ? extractorOptions.open() : null;
        try {
            Features real = extractorOptions.features(a, extractor);
            Features fake = extractorOptions.features(b, extractor);
            if (wanted.contains("fid")) {
                double fid = FrechetDistance.between(stats(real), stats(fake), a.toString(), b.toString());
                System.out.printf(Locale.ROOT, "%s %.8g%n", name("fid", extractor), fid);
            }
            if (wanted.contains("kid")) {
                KernelInceptionDistance.Result kid = kidOptions.compute(real, fake);
                System.out.printf(Locale.ROOT, "%s %.8g %.8g%n", name("kid", extractor), kid.mean(), kid.std());
            }
            if (wanted.contains("pr")) {
                NearestNeighbourMetrics.PrecisionRecall pr = NearestNeighbourMetrics.precisionRecall(real, fake,
                        k != null ? k : 3);
                System.out.printf(Locale.ROOT, "%s %.6f%n%s %.6f%n", name("precision", extractor), pr.precision(),
                        name("recall", extractor), pr.recall());
            }
            if (wanted.contains("dc")) {
                NearestNeighbourMetrics.DensityCoverage dc = NearestNeighbourMetrics.densityCoverage(real, fake,
                        k != null ? k : 5);
                System.out.printf(Locale.ROOT, "%s %.6f%n%s %.6f%n", name("density", extractor), dc.density(),
                        name("coverage", extractor), dc.coverage());
            }
            return ExitStatus.OK;
        } finally {
            if (extractor != null) {
                extractor.close();
            }
        }
    }

    private static GaussianStats stats(Features f) {
        StatsAccumulator acc = new StatsAccumulator(f.d());
        acc.add(f.values(), f.n());
        return acc.stats();
    }
}
