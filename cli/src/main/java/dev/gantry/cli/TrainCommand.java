package dev.gantry.cli;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointDirectory;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.SelfTest;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecLoader;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.NonFiniteLossException;
import dev.gantry.training.StateHash;
import dev.gantry.training.StepStats;
import dev.gantry.training.Trainer;
import dev.gantry.training.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one trial in this process (no Kafka), then write a checkpoint directory.",
        footer = {"", "Examples:",
                "  gantry train examples/fmnist-small.yaml --steps 200 --out runs/a",
                "  gantry train examples/fmnist-small.yaml --steps 100 --resume runs/a --out runs/b",
                "", "The last line on stdout is 'state-sha256 <hex>', a hash of the complete training state:",
                "equal hashes mean bitwise-equal state (at the same --threads)."})
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "experiment spec (YAML)")
    Path specFile;

    @Option(names = "--steps", paramLabel = "N",
            description = "generator steps to run now (default: up to the spec's training.steps)")
    Long steps;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue from this checkpoint directory")
    Path resume;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "new checkpoint directory to write")
    Path out;

    @Option(names = "--threads", paramLabel = "T", description = "intra-op threads (default: $GANTRY_THREADS or all cores)")
    Integer threads;

    @Override
    public Integer call() {
        int threadCount = EngineSetup.configure(threads);
        ExperimentSpec spec;
        String specYaml;
        try {
            spec = SpecLoader.load(specFile);
            specYaml = Files.readString(specFile);
        } catch (java.io.IOException e) {
            throw ExitException.badInput(specFile + ": cannot read: " + e.getMessage());
        }
        if (steps != null && steps < 0) {
            throw ExitException.badInput("--steps must not be negative (got " + steps + ")");
        }
        if (Files.exists(out.resolve(Manifest.FILE_NAME))) {
            throw ExitException.badInput("--out " + out + ": already holds a committed checkpoint; choose a new directory");
        }
        List<Check> checks = SelfTest.run();
        if (!SelfTest.allPassed(checks)) {
            checks.stream().filter(c -> !c.passed()).forEach(c -> System.err.println(c.line()));
            throw new ExitException(ExitStatus.NUMERICS, "refusing to train: the numerics self-test failed (run 'gantry selftest')");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            LabeledImages data = Datasets.open(spec.dataset(), spec.model().imageSize(), downloadDir());
            try (TrainingState state = resume != null ? resumeState(spec, manager)
                    : new TrainingState(spec, specYaml, spec.model().resolve(data.channels(), data.numClasses()),
                            data.classNames(), manager)) {
                Trainer trainer = new Trainer(state, data);
                long todo = steps != null ? steps : Math.max(0, spec.training().steps() - state.step());
                System.err.printf("training %s from step %d for %d steps (%s: %d images, %d classes; %d threads)%n",
                        spec.name(), state.step(), todo, data.name(), data.count(), data.numClasses(), threadCount);
                StepStats last = null;
                long started = System.nanoTime();
                try (ProgressBar bar = Progress.bar("train", todo)) {
                    for (long i = 0; i < todo; i++) {
                        last = trainer.step();
                        bar.step();
                        bar.setExtraMessage(String.format(" D %.2f G %.2f", last.lossD(), last.lossG()));
                    }
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                Map<String, byte[]> files = CheckpointCodec.encode(state);
                CheckpointDirectory.write(out, state.step(), spec.trajectoryHash(), files);
                if (last != null) {
                    System.err.printf("step %d: lossD %.4f lossG %.4f D(real) %.3f D(fake) %.3f; %.2f steps/s%n",
                            last.step(), last.lossD(), last.lossG(), last.realScore(), last.fakeScore(), todo / seconds);
                }
                System.err.println("checkpoint written to " + out);
                System.out.println("state-sha256 " + StateHash.of(state));
                return 0;
            }
        } catch (NonFiniteLossException e) {
            throw new ExitException(ExitStatus.NUMERICS, "training diverged, nothing written: " + e.getMessage());
        }
    }

    private TrainingState resumeState(ExperimentSpec spec, NDManager manager) {
        TrainingState state = CheckpointCodec.decode(CheckpointDirectory.read(resume), manager, resume.toString());
        String expected = spec.trajectoryHash();
        if (!state.spec().trajectoryHash().equals(expected)) {
            state.close();
            throw new CheckpointException("--resume " + resume + ": the checkpoint was trained with a different spec "
                    + "(only name, training.steps and dataset.path may change between segments)");
        }
        return state;
    }

    static Path downloadDir() {
        return CacheLayout.defaultLocation().fashionMnistDownloads();
    }
}
