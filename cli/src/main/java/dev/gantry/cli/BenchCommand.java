package dev.gantry.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print ratios.",
        subcommands = {BenchTrainCommand.class, BenchMemoryCommand.class, BenchFidCommand.class, BenchRuntimeCommand.class})
final class BenchCommand extends CommandGroup {
}
