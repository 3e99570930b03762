package dev.gantry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.bench.TrainBenchmark;
import dev.gantry.evaluation.FrechetDistance;
import dev.gantry.evaluation.GaussianStats;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatsAccumulator;
import dev.gantry.runtime.EngineSetup;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fid", mixinStandardHelpOptions = true,
        description = {"Time the Frechet distance against pytorch-fid's scipy.linalg.sqrtm, and KID and improved",
                "precision/recall against NumPy/scikit-learn (torch-fidelity's KID sums, prdc's precision/recall).",
                "Synthetic d-dimensional statistics and features (default 2048, as Inception pool3); the reference",
                "side runs where /usr/bin/python3 has NumPy, SciPy and scikit-learn, on the same features and KID subsets.",
                "Prints both values, their relative difference and the time ratio reference/gantry (> 1: gantry faster)."})
final class BenchFidCommand implements Callable<Integer> {
    @Option(names = "--dim", defaultValue = "2048", description = "feature dimension (default: ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--repeats", defaultValue = "3", description = "timed runs, median reported (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "python with NumPy and SciPy")
    String python;

    @Option(names = "--inception", paramLabel = "FILE",
            description = "also time feature extraction with this Inception TorchScript, gantry (DJL) vs PyTorch")
    Path inception;

    @Option(names = "--images", defaultValue = "64", description = "images for the extraction timing (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--only-extraction", description = "skip the Frechet distance, KID and precision/recall timings")
    boolean onlyExtraction;

    @Option(names = "--frechet", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "time the Frechet distance (default: on; --no-frechet skips it)")
    boolean frechet;

    @Option(names = "--kid", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "time KID (default: on; --no-kid skips it)")
    boolean kid;

    @Option(names = "--pr", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "time improved precision/recall (default: on; --no-pr skips it)")
    boolean pr;

    @Option(names = "--features", defaultValue = "10000",
            description = "real and generated feature vectors each, for KID and precision/recall (default: ${DEFAULT-VALUE})")
    int features;

    @Option(names = "--kid-subsets", defaultValue = "100", description = "KID subsets (default: ${DEFAULT-VALUE})")
    int kidSubsets;

    @Option(names = "--kid-subset-size", defaultValue = "1000", description = "KID subset size (default: ${DEFAULT-VALUE})")
    int kidSubsetSize;

    @Option(names = "--k", defaultValue = "3", description = "neighbours for precision/recall (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--metric-repeats", defaultValue = "1",
            description = "timed runs of KID and precision/recall, each side, median reported (default: ${DEFAULT-VALUE})")
    int metricRepeats;

    @Override
    public Integer call() throws Exception {
        int threads = EngineSetup.configure(null);
        if (!onlyExtraction) {
            if (frechet) {
                frechet();
            }
            if (kid || pr) {
                new BenchMetrics(new BenchMetrics.Setup(features, dim, kidSubsets, kidSubsetSize, k, metricRepeats, 1), python)
                        .run(kid, pr, threads);
            }
        }
        if (inception != null) {
            extraction();
        }
        return 0;
    }

    private void extraction() throws Exception {
        int threads = EngineSetup.configure(null);
        int batch = 16;
        int size = 299;
        java.util.Random random = new java.util.Random(0);
        float[] x = new float[batch * 3 * size * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(256) / 127.5f - 1f;
        }
        double gantry;
        int done = 0;
        String layout;
        try (dev.gantry.evaluation.features.InceptionV3 net = dev.gantry.evaluation.features.InceptionV3.load(inception, null)) {
            layout = String.format("fed %s (channels-last vs NCHW on this CPU: %.2e)", net.layout().layout(),
                    net.layout().disagreement());
            for (int w = 0; w < 3; w++) {
                net.features(x, batch, 3, size);  // warm-up: TorchScript profiles, then optimises, the first calls
            }
            long t0 = System.nanoTime();
            while (done < images) {
                net.features(x, batch, 3, size);
                done += batch;
            }
            gantry = done / ((System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("feature extraction, %s, batch %d at %dx%d, %d threads: gantry (DJL) %.2f images/s, %s%n",
                inception.getFileName(), batch, size, size, threads, gantry, layout);
        Path script = Files.createTempFile("gantry-bench-inception", ".py");
        try (InputStream in = getClass().getResourceAsStream("bench/inception_torch.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Process p = new ProcessBuilder(python, script.toString(), inception.toString(), "" + images, "" + batch, "" + size,
                    "" + threads).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String last = out.lines().reduce((a, b) -> b).orElse("");
            if (p.waitFor() != 0 || !last.startsWith("{")) {
                System.out.println("PyTorch side not run (" + python + " with torch needed): " + out);
                return;
            }
            JsonNode json = new ObjectMapper().readTree(last);
            double torch = json.path("images_per_second").asDouble();
            double channelsLast = json.path("channels_last_images_per_second").asDouble();
            System.out.printf("PyTorch (python3-torch) on the same file, fed NCHW as pytorch-fid/StyleGAN2-ADA do: %.2f images/s;"
                    + " ratio gantry/PyTorch %.2f (target >= 1.0)%n", torch, gantry / torch);
            System.out.printf("PyTorch fed channels-last: %.2f images/s; ratio gantry/that %.2f%n", channelsLast,
                    gantry / channelsLast);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private void frechet() throws Exception {
        GaussianStats a = synthetic(dim, 1, 0.0);
        GaussianStats b = synthetic(dim, 2, 0.3);
        double[] seconds = new double[repeats];
        double value = 0;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            value = FrechetDistance.between(a, b);
            seconds[r] = (System.nanoTime() - t0) / 1e9;
        }
        double gantry = TrainBenchmark.median(seconds);
        System.out.printf("d=%d  gantry eigenvalue method: FID %.12f  median %.3f s%n", dim, value, gantry);
        Path dir = Files.createTempDirectory("gantry-bench-fid");
        Npz.writeStats(dir.resolve("a.npz"), a);
        Npz.writeStats(dir.resolve("b.npz"), b);
        Path script = dir.resolve("fid_sqrtm.py");
        try (InputStream in = getClass().getResourceAsStream("bench/fid_sqrtm.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Process p = new ProcessBuilder(python, script.toString(), dir.resolve("a.npz").toString(),
                    dir.resolve("b.npz").toString(), "" + repeats).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String last = out.lines().reduce((x, y) -> y).orElse("");
            if (p.waitFor() != 0 || !last.startsWith("{")) {
                System.out.println("scipy sqrtm reference not run (" + python + " with numpy/scipy needed): " + out);
                return;
            }
            JsonNode json = new ObjectMapper().readTree(last);
            double[] ref = new double[json.path("seconds").size()];
            for (int i = 0; i < ref.length; i++) {
                ref[i] = json.path("seconds").get(i).asDouble();
            }
            double scipy = TrainBenchmark.median(ref);
            double scipyValue = json.path("fid").asDouble();
            System.out.printf("d=%d  scipy.linalg.sqrtm (pytorch-fid): FID %.12f  median %.3f s%n", dim, scipyValue, scipy);
            System.out.printf("relative difference %.2e; speed ratio sqrtm/gantry %.2fx (target >= 8x)%n",
                    Math.abs(value - scipyValue) / Math.abs(scipyValue), scipy / gantry);
        } finally {
            for (String f : List.of("a.npz", "b.npz", "fid_sqrtm.py")) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Statistics of 3*d correlated Gaussian samples: full rank, realistic spread of eigenvalues. */
    static GaussianStats synthetic(int d, long seed, double shift) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = 3 * d;
        int rank = Math.max(1, d / 8);
        double[] mix = new double[rank * d];
        for (int i = 0; i < mix.length; i++) {
            mix[i] = random.nextGaussian() / Math.sqrt(rank);
        }
        StatsAccumulator acc = new StatsAccumulator(d);
        int batch = 256;
        for (int start = 0; start < n; start += batch) {
            int size = Math.min(batch, n - start);
            double[] rows = new double[size * d];
            for (int i = 0; i < size; i++) {
                double[] latent = new double[rank];
                for (int k = 0; k < rank; k++) {
                    latent[k] = random.nextGaussian();
                }
                for (int j = 0; j < d; j++) {
                    double v = 0.5 * random.nextGaussian() + shift;
                    for (int k = 0; k < rank; k++) {
                        v += latent[k] * mix[k * d + j];
                    }
                    rows[i * d + j] = v;
                }
            }
            acc.add(rows, size);
        }
        return acc.stats();
    }
}
