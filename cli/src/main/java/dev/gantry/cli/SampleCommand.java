package dev.gantry.cli;

import ai.djl.ndarray.NDManager;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.checkpoint.CheckpointDirectory;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.sampling.SampleGrid;
import dev.gantry.sampling.Sampler;
import dev.gantry.spec.SpecException;
import dev.gantry.training.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Write a PNG grid of generated images, one row per class, from a checkpoint.",
        footer = {"", "Examples:", "  gantry sample runs/a --out grid.png",
                "  gantry sample runs/a --out grid.png --per-class 10 --attention"})
final class SampleCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "checkpoint directory")
    Path checkpoint;

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

    @Override
    public Integer call() {
        if (perClass < 1 || scale < 1) {
            System.err.println("--per-class and --scale must be at least 1");
            return Main.BAD_INPUT;
        }
        EngineSetup.configure(null);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = CheckpointCodec.decode(CheckpointDirectory.read(checkpoint), manager,
                        checkpoint.toString())) {
            if (attention && state.modelConfig().generator().attention().isEmpty()) {
                System.err.println("this generator has no self-attention layer; writing the grid without maps");
            }
            int classes = state.modelConfig().numClasses();
            SampleGrid.write(SampleGrid.of(state, perClass, seed, attention, scale), out);
            System.out.println("wrote " + out + " (" + classes + " classes x " + perClass + ", step " + state.step() + ")");
            return 0;
        } catch (CheckpointException e) {
            System.err.println(e.getMessage());
            return Main.BAD_INPUT;
        } catch (SpecException e) {
            System.err.println("checkpoint " + checkpoint + " holds an invalid spec:\n  " + String.join("\n  ", e.problems()));
            return Main.BAD_INPUT;
        } catch (IOException e) {
            System.err.println(out + ": cannot write: " + e.getMessage());
            return 1;
        }
    }
}
