package dev.gantry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.bench.TrainBenchmark;
import dev.gantry.runtime.EngineSetup;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    @Option(names = "--only", description = "run only this configuration: paper or small")
    String only;

    @Option(names = "--python", description = "python interpreter with torch (default: first of python3, /usr/bin/python3 that imports torch)")
    String python;

    @Override
    public Integer call() throws Exception {
        int t = EngineSetup.configure(threads);
        List<TrainBenchmark.Config> configs = new ArrayList<>();
        configs.add(new TrainBenchmark.Config("paper", 32, 64, 32, 64, List.of(16), 10, 3, 128));
        configs.add(new TrainBenchmark.Config("small", 32, 16, 16, 16, List.of(16), 10, 1, 128));
        String py = python != null ? python : findPython();
        System.out.println("threads " + t + "; PyTorch eager: " + (py == null ? "not found (ratio not measured)" : py));
        for (TrainBenchmark.Config c : configs) {
            if (only != null && !only.equals(c.name())) {
                continue;
            }
            System.out.println(c.describe());
            TrainBenchmark.Result gantry = TrainBenchmark.run(c, warmup, iterations);
            print("gantry (DJL)", gantry.median(), gantry.peakRssMb(), "");
            if (py != null) {
                JsonNode torch = runTorch(py, c, t);
                if (torch != null) {
                    List<Double> times = new ArrayList<>();
                    torch.path("times").forEach(n -> times.add(n.asDouble()));
                    double[] s = times.stream().mapToDouble(Double::doubleValue).toArray();
                    double median = TrainBenchmark.median(s);
                    print("pytorch " + torch.path("torch").asText(), median, torch.path("peak_rss_mb").asDouble(), "");
                    System.out.printf("  ratio gantry/pytorch time %.3f (below 1.0 = gantry faster)%n", gantry.median() / median);
                }
            }
        }
        return 0;
    }

    private static void print(String who, double median, double rssMb, String extra) {
        System.out.printf("  %-22s median %.4f s/iter  %.3f iter/s  peak RSS %.0f MB%s%n", who, median, 1 / median, rssMb, extra);
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
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
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
