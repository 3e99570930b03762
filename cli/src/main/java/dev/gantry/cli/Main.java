package dev.gantry.cli;

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
    static final int BAD_INPUT = 2;
    /** Exit status when numbers cannot be trusted: a failed self-test or a diverged run. */
    static final int NUMERICS = 3;

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
        return new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Configuration and connection problems are the user's to fix: say what, not where in the code.
            if (e instanceof IllegalArgumentException || e instanceof dev.gantry.transport.TransportException
                    || e instanceof org.apache.kafka.common.KafkaException) {
                cmd.getErr().println(cmd.getCommandName() + ": " + e.getMessage());
                return BAD_INPUT;
            }
            throw e;
        }).execute(args);
    }
}
