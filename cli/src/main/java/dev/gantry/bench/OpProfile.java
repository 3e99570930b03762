package dev.gantry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a libtorch profiler trace (Chrome format, as {@code JniUtils.stopProfile} writes it) says
 * the time went to: per operator, calls and inclusive milliseconds per iteration. Inclusive, so a
 * convolution's time appears under aten::conv2d and again under aten::mkldnn_convolution.
 */
public final class OpProfile {
    public record Op(String name, double callsPerIteration, double msPerIteration) {}

    private OpProfile() {}

    public static List<Op> read(Path trace, int iterations) throws IOException {
        JsonNode root = new ObjectMapper().readTree(trace.toFile());
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        Map<String, double[]> byName = new HashMap<>();
        for (JsonNode e : events) {
            if (!"X".equals(e.path("ph").asText())) {
                continue;
            }
            double[] sums = byName.computeIfAbsent(e.path("name").asText(), k -> new double[2]);
            sums[0] += 1;
            sums[1] += e.path("dur").asDouble();  // microseconds
        }
        List<Op> ops = new ArrayList<>();
        byName.forEach((name, sums) -> ops.add(new Op(name, sums[0] / iterations, sums[1] / 1000.0 / iterations)));
        ops.sort(Comparator.comparingDouble(Op::msPerIteration).reversed());
        return ops;
    }
}
