package dev.gantry.cli;

import dev.gantry.config.Commands;
import dev.gantry.config.ExitStatus;
import dev.gantry.coordinator.CoordinatorCommand;
import dev.gantry.transport.ClusterOptions;
import dev.gantry.worker.WorkerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gantry} command. */
@Command(name = "gantry", mixinStandardHelpOptions = true, version = "gantry 0.1.0",
        description = "Class-conditional SAGAN training on asynchronous workers.",
        subcommands = {LocalCommand.class, SubmitCommand.class, StatusCommand.class, WatchCommand.class,
                ResultsCommand.class, CancelCommand.class, EvalCommand.class, SamplesCommand.class, ReportCommand.class,
                CoordinatorCommand.class, WorkerCommand.class,
                TrainCommand.class, SampleCommand.class, EvaluateCommand.class, FidCommand.class,
                FeaturenetCommand.class, SelftestCommand.class, BenchCommand.class, EngineCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit status for input the user must fix: a bad spec, dataset or checkpoint. */
    static final int BAD_INPUT = ExitStatus.BAD_INPUT;
    /** Exit status when numbers cannot be trusted: a failed self-test or a diverged run. */
    static final int NUMERICS = ExitStatus.NUMERICS;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        return Commands.execute(new Main(), ClusterOptions.CONNECTION_ERRORS, args);
    }
}
