package dev.gantry.cli;

import picocli.CommandLine.Command;

@Command(name = "export", mixinStandardHelpOptions = true, description = "Write an experiment in another tool's format.",
        subcommands = {ExportTensorBoardCommand.class})
final class ExportCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
