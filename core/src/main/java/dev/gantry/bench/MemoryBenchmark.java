package dev.gantry.bench;

import ai.djl.ndarray.NDManager;
import dev.gantry.data.LabeledImages;
import dev.gantry.model.AttentionKind;
import dev.gantry.model.ModelConfig;
import dev.gantry.model.NetworkConfig;
import dev.gantry.spec.DatasetSpec;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.TrainingSpec;
import dev.gantry.training.Trainer;
import dev.gantry.training.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Trains a small model for many steps and samples the process's resident memory (native
 * allocations included) and the number of live NDArrays: both must stay flat after warm-up.
 */
public final class MemoryBenchmark {
    public record Sample(long step, double rssMb, int liveArrays) {}

    private MemoryBenchmark() {}

    public static List<Sample> run(long steps, long every, Consumer<Sample> progress) {
        TrainBenchmark.Config c = new TrainBenchmark.Config("memory", 32, 4, 4, 16, List.of(16), 10, 1, 32);
        ModelConfig model = new ModelConfig(32, 1, 10, c.zDim(), new NetworkConfig(c.gChannels(), c.attention(), true),
                new NetworkConfig(c.dChannels(), c.attention(), true), AttentionKind.SELF_ATTENTION, 0.1);
        ExperimentSpec spec = new ExperimentSpec("memory", new DatasetSpec("image-folder", Optional.of("synthetic"),
                "train", 1), new ExperimentSpec.ModelSpec(32, c.zDim(), model.generator(), model.discriminator(),
                AttentionKind.SELF_ATTENTION, 0.1),
                new TrainingSpec(0, steps, c.batch(), 1, 1e-4, 4e-4, true, 0.0, 0.9, 1e-8));
        LabeledImages data = TrainBenchmark.synthetic(c, 512);
        List<Sample> samples = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(spec, "", model, data.classNames(), manager)) {
            Trainer trainer = new Trainer(state, data);
            for (long s = 1; s <= steps; s++) {
                trainer.step();
                if (s % every == 0 || s == steps) {
                    Sample sample = new Sample(s, rssMb(), manager.getManagedArrays().size());
                    samples.add(sample);
                    progress.accept(sample);
                }
            }
        }
        return samples;
    }

    static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return Double.NaN;
    }
}
