package dev.gantry.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.gantry.data.LabeledImages;
import dev.gantry.spec.Architecture;
import dev.gantry.spec.AttentionKind;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import dev.gantry.spec.DatasetSpec;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.TrainingSpec;
import dev.gantry.training.Trainer;
import dev.gantry.training.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** Times full D+G training iterations of gantry's trainer on synthetic data. */
public final class TrainBenchmark {
    /**
     * A benchmark configuration; channels are base widths, which the image size's layout multiplies
     * ({@link Architecture}: 4x at 32x32, 16x down to 1x at 64x64).
     */
    public record Config(String name, int imageSize, int gChannels, int dChannels, int batch, List<Integer> attention,
            int classes, int imageChannels, int zDim) {
        public String describe() {
            Architecture arch = Architecture.forImageSize(imageSize);
            return String.format("%s: %dx%d, G %s ch, D %s ch, batch %d, attention %s", name, imageSize, imageSize,
                    widths(arch.generatorWidths(), gChannels), widths(arch.discriminatorWidths(), dChannels), batch,
                    attention);
        }

        private static String widths(int[] multiples, int base) {
            return java.util.Arrays.stream(multiples).map(m -> m * base).distinct().mapToObj(String::valueOf)
                    .collect(java.util.stream.Collectors.joining("-"));
        }
    }

    /**
     * The configurations compared with PyTorch: the paper's 32x32 one, a small one where per-operation
     * overhead dominates, and the 64x64 one of heykeetae's Self-Attention-GAN (g/d_conv_dim 64: G
     * 512-256-128-64, D 64-128-256-512, attention at 16 and 32, batch 64), whose widths gantry's
     * residual 64x64 layout has at base 32.
     */
    public static final List<Config> CONFIGS = List.of(
            new Config("paper", 32, 64, 32, 64, List.of(16), 10, 3, 128),
            new Config("small", 32, 16, 16, 16, List.of(16), 10, 1, 128),
            new Config("64x64", 64, 32, 32, 64, List.of(16, 32), 10, 3, 128));

    public record Result(double[] seconds, double peakRssMb) {
        public double median() {
            return TrainBenchmark.median(seconds);
        }
    }

    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private TrainBenchmark() {}

    public static Result run(Config c, int warmup, int iterations) {
        return run(c, warmup, iterations, null);
    }

    /**
     * @param profile where libtorch's profiler writes a Chrome trace of the timed iterations (its
     *     bookkeeping slows them), or null
     */
    public static Result run(Config c, int warmup, int iterations, Path profile) {
        resetPeakRss();
        LabeledImages data = synthetic(c, Math.max(c.batch() * 4, 256));
        double[] seconds = new double[iterations];
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = newState(c, warmup + iterations, data, manager)) {
            Trainer trainer = new Trainer(state, data);
            for (int i = 0; i < warmup + iterations; i++) {
                if (i == warmup && profile != null) {
                    JniUtils.startProfile(false, true, false);
                }
                long t0 = System.nanoTime();
                trainer.step();
                if (i >= warmup) {
                    seconds[i - warmup] = (System.nanoTime() - t0) / 1e9;
                }
            }
            if (profile != null) {
                JniUtils.stopProfile(profile.toString());
            }
        }
        return new Result(seconds, processMemoryMb("VmHWM"));
    }

    /** A fresh trial of the configuration's model with the paper's optimiser settings. */
    static TrainingState newState(Config c, long steps, LabeledImages data, NDManager manager) {
        ModelConfig model = new ModelConfig(c.imageSize(), c.imageChannels(), c.classes(), c.zDim(),
                new NetworkConfig(c.gChannels(), c.attention(), true),
                new NetworkConfig(c.dChannels(), c.attention(), true), AttentionKind.SELF_ATTENTION, 0.1);
        ExperimentSpec spec = new ExperimentSpec("bench", new DatasetSpec("image-folder", Optional.of("synthetic"),
                "train", c.imageChannels()), new ExperimentSpec.ModelSpec(c.imageSize(), c.zDim(), model.generator(),
                model.discriminator(), AttentionKind.SELF_ATTENTION, 0.1),
                new TrainingSpec(0, steps, c.batch(), 1, 1e-4, 4e-4, true, 0.0, 0.9, 1e-8, null));
        return new TrainingState(spec, "", model, data.classNames(), manager);
    }

    static LabeledImages synthetic(Config c, int count) {
        SplittableRandom random = new SplittableRandom(1);
        byte[] pixels = new byte[count * c.imageChannels() * c.imageSize() * c.imageSize()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        int[] labels = new int[count];
        List<String> names = new ArrayList<>();
        for (int k = 0; k < c.classes(); k++) {
            names.add("c" + k);
        }
        for (int i = 0; i < count; i++) {
            labels[i] = i % c.classes();
        }
        return new LabeledImages("synthetic", count, c.imageChannels(), c.imageSize(), pixels, labels, names);
    }

    /**
     * Sets this process's peak resident size (VmHWM) back to its current size, so that a later
     * round in the same JVM reports its own peak rather than the largest of all rounds so far (a
     * PyTorch round is a process of its own). Linux 4.0 and later; elsewhere the peak stays the
     * process's.
     */
    static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // no such file or not allowed: the peak is the process's since it started
        }
    }

    /**
     * A memory figure of this process from /proc/self/status, in MB, native allocations included:
     * "VmHWM" (peak resident) or "VmRSS" (current). NaN where there is no /proc.
     */
    public static double processMemoryMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: report unknown
        }
        return Double.NaN;
    }
}
