package dev.gantry.cli;

import picocli.CommandLine.Command;

@Command(name = "export", mixinStandardHelpOptions = true, description = "Write an experiment in another tool's format.",
        subcommands = {ExportTensorBoardCommand.class})
final class ExportCommand extends CommandGroup {
}
