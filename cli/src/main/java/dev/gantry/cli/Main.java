package dev.gantry.cli;

import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.config.Commands;
import dev.gantry.coordinator.CoordinatorCommand;
import dev.gantry.data.DatasetException;
import dev.gantry.data.DatasetUnavailableException;
import dev.gantry.evaluation.StatisticsException;
import dev.gantry.storage.StorageException;
import dev.gantry.transport.ClusterOptions;
import dev.gantry.worker.WorkerCommand;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code gantry} command. */
@Command(name = "gantry", mixinStandardHelpOptions = true, version = "gantry 0.1.0",
        description = "Class-conditional SAGAN training on asynchronous workers.",
        subcommands = {LocalCommand.class, ChaosCommand.class, SubmitCommand.class, StatusCommand.class, WatchCommand.class,
                ResultsCommand.class, CancelCommand.class, ForkCommand.class, LineageCommand.class, EvalCommand.class, SamplesCommand.class, ReportCommand.class,
                ExportCommand.class, CoordinatorCommand.class, WorkerCommand.class,
                TrainCommand.class, SamplesCommand.Alias.class, EvalCommand.Alias.class, FidCommand.class,
                KidCommand.class, MetricsCommand.class,
                FeaturenetCommand.class, SelftestCommand.class, BenchCommand.class, EngineCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Errors whose message tells the user what to fix (the file, field or connection): printed once, exit 2. */
    private static final List<Class<? extends Exception>> USERS_TO_FIX = Stream.concat(
            ClusterOptions.CONNECTION_ERRORS.stream(), Stream.of(CheckpointException.class, DatasetException.class, DatasetUnavailableException.class,
                    StatisticsException.class, StorageException.class)).toList();

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
        return Commands.execute(new Main(), USERS_TO_FIX, args);
    }
}
