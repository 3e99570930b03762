package dev.gantry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.bench.OpProfile;
import dev.gantry.bench.TrainBenchmark;
import dev.gantry.config.ExitException;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.runtime.NativeAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Time one D+G training iteration, against PyTorch eager where available.",
                "PyTorch runs the same architecture where a python3 with torch is found (Debian: apt-get install",
                "python3-torch). Prints medians, iterations/s, peak memory and the time ratio."},
        footer = {"", "Examples:", "  gantry bench train", "  gantry bench train --only small --iterations 20"})
final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--iterations", defaultValue = "10", description = "timed iterations (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed iterations first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", description = "intra-op threads for both (default: $GANTRY_THREADS or all cores)")
    Integer threads;

    @Option(names = "--only", description = "run only this configuration: paper, small or 64x64")
    String only;

    @Option(names = "--python", description = "python interpreter with torch (default: the first that imports torch of"
                    + " $GANTRY_TORCH_VENV or ~/.cache/gantry/venv-torch (scripts/install-deps.sh --torch-pip), python3,"
                    + " /usr/bin/python3)")
    String python;

    @Option(names = "--rounds", defaultValue = "1",
            description = "run gantry then PyTorch this many times, alternating, so that a machine's drift falls on both"
                    + " (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--twin-malloc", defaultValue = "default", paramLabel = "default|tuned",
            description = "glibc malloc settings of the PyTorch process: its defaults, or the ones gantry sets for"
                    + " itself (NativeAllocator) (default: ${DEFAULT-VALUE})")
    String twinMalloc;

    @Option(names = "--twin-layout", defaultValue = "default", paramLabel = "default|channels-last",
            description = "memory order of the PyTorch twin's weights and images: PyTorch's default, or channels-last"
                    + " (model.to(memory_format=torch.channels_last)), the order gantry's CPU convolutions use"
                    + " (default: ${DEFAULT-VALUE})")
    String twinLayout;

    @Option(names = "--twin-formulation", defaultValue = "as-written", paramLabel = "as-written|gantry",
            description = "how the PyTorch twin orders the same functions: as the published SAGAN/BigGAN code writes"
                    + " them (attention applied as bmm(h, attention^T); G's shortcut upsamples then convolves, D's"
                    + " after the first convolve then pool), or as gantry computes them ((attention h^T)^T; every"
                    + " shortcut convolution at the lower resolution) (default: ${DEFAULT-VALUE})")
    String twinFormulation;

    @Option(names = "--profile", paramLabel = "DIR",
            description = "write libtorch's profiler trace of gantry's timed iterations (CONFIG.trace.json, Chrome"
                    + " format) and print the operators that took the most time; the profiler slows what it times")
    Path profile;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1) {
            throw ExitException.badInput("--rounds must be at least 1 (got " + rounds + ")");
        }
        if (!twinMalloc.equals("default") && !twinMalloc.equals("tuned")) {
            throw ExitException.badInput("--twin-malloc must be default or tuned (got '" + twinMalloc + "')");
        }
        if (!twinLayout.equals("default") && !twinLayout.equals("channels-last")) {
            throw ExitException.badInput("--twin-layout must be default or channels-last (got '" + twinLayout + "')");
        }
        if (!twinFormulation.equals("as-written") && !twinFormulation.equals("gantry")) {
            throw ExitException.badInput("--twin-formulation must be as-written or gantry (got '" + twinFormulation + "')");
        }
        if (only != null && TrainBenchmark.CONFIGS.stream().noneMatch(c -> c.name().equals(only))) {
            throw ExitException.badInput("--only " + only + ": one of " + TrainBenchmark.CONFIGS.stream()
                    .map(TrainBenchmark.Config::name).collect(Collectors.joining(", ")));
        }
        int t = EngineSetup.configure(threads);
        String py = python != null ? python : findPython();
        System.out.println("threads " + t + "; gantry's malloc: " + (NativeAllocator.tune() ? "tuned" : "glibc defaults")
                + (NativeAllocator.singleArena() ? ", one arena" : ", per-thread arenas (MALLOC_ARENA_MAX=1 is set by ./gantry)")
                + "; PyTorch eager: " + (py == null ? "not found (ratio not measured)" : py + ", malloc " + twinMalloc
                        + ", layout " + twinLayout + ", formulation " + twinFormulation));
        for (TrainBenchmark.Config c : TrainBenchmark.CONFIGS) {
            if (only != null && !only.equals(c.name())) {
                continue;
            }
            System.out.println(c.describe());
            List<Double> gantryTimes = new ArrayList<>();
            List<Double> torchTimes = new ArrayList<>();
            List<Double> roundRatios = new ArrayList<>();
            double gantryRss = 0;
            double torchRss = 0;
            String torchVersion = "";
            for (int r = 0; r < rounds; r++) {
                Path trace = profile == null ? null : Files.createDirectories(profile).resolve(c.name() + ".trace.json");
                TrainBenchmark.Result gantry = TrainBenchmark.run(c, warmup, iterations, trace);
                if (trace != null) {
                    printProfile(trace);
                }
                gantryRss = Math.max(gantryRss, gantry.peakRssMb());
                Arrays.stream(gantry.seconds()).forEach(gantryTimes::add);
                print("gantry (DJL)" + round(r), gantry.median(), gantry.peakRssMb());
                JsonNode torch = py == null ? null : runTorch(py, c, t);
                if (torch != null) {
                    double[] times = new double[torch.path("times").size()];
                    for (int i = 0; i < times.length; i++) {
                        times[i] = torch.path("times").get(i).asDouble();
                        torchTimes.add(times[i]);
                    }
                    torchVersion = torch.path("torch").asText();
                    torchRss = Math.max(torchRss, torch.path("peak_rss_mb").asDouble());
                    double median = TrainBenchmark.median(times);
                    roundRatios.add(gantry.median() / median);
                    print("pytorch " + torchVersion + round(r), median, torch.path("peak_rss_mb").asDouble());
                }
            }
            if (!torchTimes.isEmpty()) {
                double g = TrainBenchmark.median(gantryTimes.stream().mapToDouble(Double::doubleValue).toArray());
                double p = TrainBenchmark.median(torchTimes.stream().mapToDouble(Double::doubleValue).toArray());
                if (rounds > 1) {
                    print("gantry, all rounds", g, gantryRss);
                    print("pytorch, all rounds", p, torchRss);
                }
                System.out.printf(Locale.ROOT, "  ratio gantry/pytorch time %.3f (below 1.0 = gantry faster)%s; peak RSS"
                        + " gantry/pytorch %.0f/%.0f MB%n", g / p, rounds > 1 ? String.format(Locale.ROOT,
                        ", per round %s", roundRatios.stream().map(x -> String.format(Locale.ROOT, "%.3f", x))
                                .collect(Collectors.joining(" "))) : "", gantryRss, torchRss);
            }
        }
        return 0;
    }

    private void printProfile(Path trace) throws IOException {
        System.out.println("  libtorch profile (" + trace + "), inclusive time per iteration:");
        for (OpProfile.Op op : OpProfile.read(trace, iterations).stream().limit(15).toList()) {
            System.out.printf(Locale.ROOT, "    %-60s %7.1f calls %9.2f ms%n", op.name(), op.callsPerIteration(),
                    op.msPerIteration());
        }
    }

    private String round(int r) {
        return rounds > 1 ? ", round " + (r + 1) : "";
    }

    private static void print(String who, double median, double rssMb) {
        System.out.printf(Locale.ROOT, "  %-30s median %.4f s/iter  %.3f iter/s  peak RSS %.0f MB%n", who, median,
                1 / median, rssMb);
    }

    private JsonNode runTorch(String py, TrainBenchmark.Config c, int threads) throws IOException, InterruptedException {
        Path script = Files.createTempFile("gantry-sagan-torch", ".py");
        try (InputStream in = getClass().getResourceAsStream("bench/sagan_torch.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = List.of(py, script.toString(), "" + c.imageSize(), "" + c.gChannels(), "" + c.dChannels(),
                "" + c.batch(), "" + iterations, "" + warmup, "" + threads,
                c.attention().stream().map(String::valueOf).collect(Collectors.joining(",")), "" + c.classes(),
                "" + c.imageChannels(), "" + c.zDim());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "" + threads);
        pb.environment().put("SAGAN_TWIN_LAYOUT", twinLayout);
        pb.environment().put("SAGAN_TWIN_FORMULATION", twinFormulation);
        if (twinMalloc.equals("tuned")) {
            pb.environment().putAll(NativeAllocator.environment());
        }
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Files.deleteIfExists(script);
        String last = output.strip().lines().reduce((a, b) -> b).orElse("");
        if (p.exitValue() != 0 || !last.startsWith("{")) {
            System.out.println("  pytorch run failed:\n" + output);
            return null;
        }
        return new ObjectMapper().readTree(last);
    }

    private static String findPython() {
        String venv = System.getenv().getOrDefault("GANTRY_TORCH_VENV",
                System.getProperty("user.home") + "/.cache/gantry/venv-torch");
        for (String candidate : List.of(venv + "/bin/python", "python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
