package dev.gantry.bench;

import ai.djl.ndarray.NDManager;
import dev.gantry.data.LabeledImages;
import dev.gantry.training.Trainer;
import dev.gantry.training.TrainingState;
import java.util.ArrayList;
import java.util.List;
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
        LabeledImages data = TrainBenchmark.synthetic(c, 512);
        List<Sample> samples = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = TrainBenchmark.newState(c, steps, data, manager)) {
            Trainer trainer = new Trainer(state, data);
            for (long s = 1; s <= steps; s++) {
                trainer.step();
                if (s % every == 0 || s == steps) {
                    Sample sample = new Sample(s, TrainBenchmark.processMemoryMb("VmRSS"), manager.getManagedArrays().size());
                    samples.add(sample);
                    progress.accept(sample);
                }
            }
        }
        return samples;
    }
}
