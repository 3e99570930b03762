package dev.gantry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.bench.TrainBenchmark;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.metrics.Features;
import dev.gantry.evaluation.metrics.KernelInceptionDistance;
import dev.gantry.evaluation.metrics.NearestNeighbourMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * KID and improved precision/recall timed against the NumPy/scikit-learn code users otherwise run
 * (bench/kid_pr_numpy.py), on the same synthetic features and the same KID subsets. Each repeat
 * runs gantry, then the reference, so that load from elsewhere on a shared machine falls on both.
 */
final class BenchMetrics {
    /** Sizes of one run. */
    record Setup(int n, int d, int subsets, int subsetSize, int k, int repeats, long seed) {}

    /** One metric's outcome: values on both sides, seconds per repeat on both sides. */
    record Outcome(String metric, List<Double> gantryValues, List<Double> referenceValues, double[] gantrySeconds,
            double[] referenceSeconds, String reference) {
        double relativeDifference() {
            double worst = 0;
            for (int i = 0; i < gantryValues.size(); i++) {
                double ref = referenceValues.get(i);
                double diff = Math.abs(gantryValues.get(i) - ref);
                worst = Math.max(worst, ref == 0 ? diff : diff / Math.abs(ref));
            }
            return worst;
        }
    }

    private final Setup setup;
    private final String python;

    BenchMetrics(Setup setup, String python) {
        this.setup = setup;
        this.python = python;
    }

    /** Runs the wanted metrics and prints one block per metric; the reference's absence is reported, not fatal. */
    void run(boolean kid, boolean pr, int threads) throws IOException, InterruptedException {
        Features real = Features.of(cloud(setup.n(), setup.d(), setup.seed(), 0.0), setup.n(), setup.d());
        Features fake = Features.of(cloud(setup.n(), setup.d(), setup.seed() + 1, 0.05), setup.n(), setup.d());
        int[][][] indices = KernelInceptionDistance.subsetIndices(setup.n(), setup.n(), setup.subsets(),
                setup.subsetSize(), setup.seed());
        Path dir = Files.createTempDirectory("gantry-bench-metrics");
        List<Path> written = new ArrayList<>();
        try {
            written.add(write(dir.resolve("real.npy"), real));
            written.add(write(dir.resolve("fake.npy"), fake));
            written.add(writeIndices(dir.resolve("kid_indices.npy"), indices));
            Path script = dir.resolve("kid_pr_numpy.py");
            try (InputStream in = getClass().getResourceAsStream("bench/kid_pr_numpy.py")) {
                Files.write(script, in.readAllBytes());
            }
            written.add(script);
            System.out.printf(Locale.ROOT, "%d real and %d generated %d-d features (ReLU of correlated Gaussians), "
                    + "gantry on %d threads, %d repeat(s), medians%n", setup.n(), setup.n(), setup.d(), threads,
                    setup.repeats());
            if (kid) {
                report(kid(real, fake, dir));
            }
            if (pr) {
                report(precisionRecall(real, fake, dir));
            }
        } finally {
            for (Path p : written) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    private Outcome kid(Features real, Features fake, Path dir) throws IOException, InterruptedException {
        return compare(String.format(Locale.ROOT, "KID, %d subsets of %d (mean; std)", setup.subsets(), setup.subsetSize()),
                "KID", "NumPy float64, torch-fidelity's sums, x @ x.T as syrk; ", dir, "kid", "kid", () -> {
                    KernelInceptionDistance.Result result = KernelInceptionDistance.compute(real, fake, setup.subsets(),
                            setup.subsetSize(), setup.seed());
                    return List.of(result.mean(), result.std());
                }, json -> List.of(json.path("mean").asDouble(), json.path("std").asDouble()));
    }

    private Outcome precisionRecall(Features real, Features fake, Path dir) throws IOException, InterruptedException {
        return compare(String.format(Locale.ROOT, "improved precision; recall, k = %d, %d x %d", setup.k(), setup.n(),
                setup.d()), "precision/recall", "prdc's method: sklearn pairwise_distances float64 + np.partition; ", dir,
                "pr", "pr_prdc", () -> {
                    NearestNeighbourMetrics.PrecisionRecall result = NearestNeighbourMetrics.precisionRecall(real, fake,
                            setup.k());
                    return List.of(result.precision(), result.recall());
                }, json -> List.of(json.path("precision").asDouble(), json.path("recall").asDouble()));
    }

    /**
     * Each repeat times gantry, then the reference on the same files, so outside load falls on both.
     *
     * @param metric the script's metric argument; {@code section} the part of its JSON with this result
     */
    private Outcome compare(String title, String shortTitle, String referenceName, Path dir, String metric,
            String section, java.util.function.Supplier<List<Double>> gantryRun,
            java.util.function.Function<JsonNode, List<Double>> referenceValues) throws IOException, InterruptedException {
        double[] gantry = new double[setup.repeats()];
        double[] reference = new double[setup.repeats()];
        List<Double> values = null;
        List<Double> refValues = null;
        String blas = "";
        for (int r = 0; r < setup.repeats(); r++) {
            long t0 = System.nanoTime();
            values = gantryRun.get();
            gantry[r] = (System.nanoTime() - t0) / 1e9;
            JsonNode json = reference(dir, metric);
            if (json == null) {
                return new Outcome(shortTitle, values, null, gantry, null, null);
            }
            reference[r] = json.path(section).path("seconds").get(0).asDouble();
            refValues = referenceValues.apply(json.path(section));
            blas = json.path("blas").asText();
        }
        return new Outcome(title, values, refValues, gantry, reference, referenceName + blas);
    }

    /** One reference run of one metric, or null (after saying why) when the python side cannot run. */
    private JsonNode reference(Path dir, String metric) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(python, dir.resolve("kid_pr_numpy.py").toString(), dir.resolve("real.npy").toString(),
                dir.resolve("fake.npy").toString(), dir.resolve("kid_indices.npy").toString(), "" + setup.k(), "1", metric)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String last = out.lines().reduce((a, b) -> b).orElse("");
        if (p.waitFor() != 0 || !last.startsWith("{")) {
            System.out.println("NumPy/scikit-learn reference not run (" + python + " with numpy and sklearn needed): " + out);
            return null;
        }
        return new ObjectMapper().readTree(last);
    }

    private static void report(Outcome o) {
        double gantry = TrainBenchmark.median(o.gantrySeconds());
        System.out.printf(Locale.ROOT, "%s%n  gantry    %s  %.2f s %s%n", o.metric(), values(o.gantryValues()), gantry,
                runs(o.gantrySeconds()));
        if (o.referenceValues() == null) {
            return;
        }
        double reference = TrainBenchmark.median(o.referenceSeconds());
        System.out.printf(Locale.ROOT, "  reference %s  %.2f s %s (%s)%n", values(o.referenceValues()), reference,
                runs(o.referenceSeconds()), o.reference());
        double best = Arrays.stream(o.referenceSeconds()).min().orElseThrow()
                / Arrays.stream(o.gantrySeconds()).min().orElseThrow();
        System.out.printf(Locale.ROOT, "  relative difference %.1e; time ratio reference/gantry %.2f (> 1: gantry faster;"
                + " target >= 1.0: %s)%s%n", o.relativeDifference(), reference / gantry, reference >= gantry ? "met" : "not met",
                o.gantrySeconds().length > 1 ? String.format(Locale.ROOT, "; fastest runs' ratio %.2f", best) : "");
    }

    private static String runs(double[] seconds) {
        if (seconds.length < 2) {
            return "";
        }
        StringBuilder s = new StringBuilder("(runs");
        for (double v : seconds) {
            s.append(String.format(Locale.ROOT, " %.2f", v));
        }
        return s.append(")").toString();
    }

    private static String values(List<Double> values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(String.format(Locale.ROOT, "%-22.15g", v));
        }
        return s.toString();
    }

    private static Path write(Path file, Features f) throws IOException {
        Npz.writeNpy(file, new Npz.Array(new long[] {f.n(), f.d()}, f.values()));
        return file;
    }

    private static Path writeIndices(Path file, int[][][] indices) throws IOException {
        int subsets = indices.length;
        int m = indices[0][0].length;
        double[] flat = new double[subsets * 2 * m];
        for (int s = 0; s < subsets; s++) {
            for (int side = 0; side < 2; side++) {
                for (int i = 0; i < m; i++) {
                    flat[(s * 2 + side) * m + i] = indices[s][side][i];
                }
            }
        }
        Npz.writeNpy(file, new Npz.Array(new long[] {subsets, 2, m}, flat));
        return file;
    }

    /**
     * n feature vectors like pool3's: non-negative (ReLU), a common low-rank part (16 factors shared
     * by both sets, as both see the same kind of images) plus independent noise; {@code shift}
     * moves the generated set so that KID is clearly positive and precision/recall are not 0 or 1.
     * float32, as extracted features are.
     */
    static float[] cloud(int n, int d, long seed, double shift) {
        int factors = 16;
        SplittableRandom shared = new SplittableRandom(7);
        double[] basis = new double[factors * d];
        for (int i = 0; i < basis.length; i++) {
            basis[i] = 0.3 * shared.nextGaussian();
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n * d];
        double[] z = new double[factors];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < factors; c++) {
                z[c] = random.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                double x = 0.5 * random.nextGaussian() + shift;
                for (int c = 0; c < factors; c++) {
                    x += z[c] * basis[c * d + j];
                }
                v[i * d + j] = (float) Math.max(0, x);
            }
        }
        return v;
    }
}
