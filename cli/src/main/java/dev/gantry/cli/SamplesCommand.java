package dev.gantry.cli;

import ai.djl.ndarray.NDManager;
import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.sampling.SampleGrid;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.training.TrainingState;
import dev.gantry.transport.ClusterOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "samples", mixinStandardHelpOptions = true,
        description = {"Write a PNG grid of generated images, one row per class, from a checkpoint:",
                "a trial's in the cluster (TRIAL for its latest, TRIAL@STEP, or a checkpoint URI) or a checkpoint",
                "directory on this machine. ('gantry sample' still works, as a hidden alias, until gantry 0.2.)"},
        footer = {"", "Examples:", "  gantry samples fmnist-small-20261123-2101-a3f9-t000 --out grid.png          # latest",
                "  gantry samples TRIAL@1000 --out grid.png --attention",
                "  gantry samples runs/a --out grid.png --per-class 10"})
class SamplesCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = CheckpointTarget.SYNTAX)
    String target;

    @Option(names = "--step", description = "with TRIAL: the checkpoint's step (default: the latest)")
    Long step;

    @Option(names = "--out", required = true, paramLabel = "PNG", description = "output image")
    Path out;

    @Option(names = "--per-class", defaultValue = "8", description = "images per class row (default: ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--seed", defaultValue = "0", description = "noise seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--scale", defaultValue = "2", description = "pixel magnification (default: ${DEFAULT-VALUE})")
    int scale;

    @Option(names = "--attention",
            description = "add the last attention layer's maps for 3 query points of each row's first image")
    boolean attention;

    @Mixin
    GeneratorOption generator;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        if (perClass < 1 || scale < 1) {
            throw ExitException.badInput("--per-class and --scale must be at least 1");
        }
        CheckpointTarget checkpoint = CheckpointTarget.parse(target, step);
        EngineSetup.configure(null);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = CheckpointTarget.load(checkpoint, cluster, manager)) {
            if (attention && state.modelConfig().generator().attention().isEmpty()) {
                System.err.println("this generator has no self-attention layer; writing the grid without maps");
            }
            GeneratorChoice g = generator.resolve(state);
            SampleGrid.write(SampleGrid.of(state, g, perClass, seed, attention, scale), out);
            System.out.println("wrote " + out + " (" + state.modelConfig().numClasses() + " classes x " + perClass
                    + ", step " + state.step() + ", " + g.specName() + " generator)");
            return ExitStatus.OK;
        } catch (IOException e) {
            throw new ExitException(1, out + ": cannot write: " + e.getMessage());
        }
    }

    /** The command's name before gantry 0.1.1; hidden, kept for a release. */
    @Command(name = "sample", hidden = true, mixinStandardHelpOptions = true,
            description = "Hidden alias of 'gantry samples', kept until gantry 0.2.")
    static final class Alias extends SamplesCommand {}
}
