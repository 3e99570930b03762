package dev.gantry.cli;

import dev.gantry.config.ExitException;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.training.TrainingState;
import picocli.CommandLine.Option;

/** {@code --generator raw|ema}, shared by the commands that draw images from a checkpoint. */
final class GeneratorOption {
    @Option(names = "--generator", paramLabel = "raw|ema",
            description = "the trained generator (raw) or its moving average (ema, where the spec keeps training.ema);"
                    + " default: ema where the checkpoint keeps one (in the cluster: the experiment's policy)")
    String name;

    /** The choice given, or null for the command's default. */
    GeneratorChoice given() {
        if (name == null) {
            return null;
        }
        return GeneratorChoice.bySpecName(name).filter(g -> !name.isEmpty())
                .orElseThrow(() -> ExitException.badInput("--generator must be raw or ema (got '" + name + "')"));
    }

    /** The choice for a loaded checkpoint: given, else EMA where it keeps one; EMA without one is refused. */
    GeneratorChoice resolve(TrainingState state) {
        GeneratorChoice g = given();
        if (g == null) {
            return state.model().hasEmaGenerator() ? GeneratorChoice.EMA : GeneratorChoice.RAW;
        }
        if (g == GeneratorChoice.EMA && !state.model().hasEmaGenerator()) {
            throw ExitException.badInput("--generator ema: this checkpoint keeps no EMA generator (its spec has no training.ema)");
        }
        return g;
    }
}
