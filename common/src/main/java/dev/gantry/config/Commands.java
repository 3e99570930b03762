package dev.gantry.config;

import dev.gantry.spec.SpecException;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs a picocli command the way every gantry entry point does, so errors read the same from
 * {@code gantry}, a worker process and the coordinator, and each is printed once, here: an
 * {@link ExitException} prints its message and exits with its status; a {@link SpecException}
 * lists its problems (each names file, line and field); the exception types the caller names as
 * the user's to fix (a bad checkpoint or dataset, configuration, connection) print
 * "command: message" and exit with {@link ExitStatus#BAD_INPUT}; anything else is a bug and keeps
 * its stack trace.
 */
public final class Commands {
    private Commands() {}

    public static int execute(Object command, List<Class<? extends Exception>> usersToFix, String... args) {
        return new CommandLine(command).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ExitException exit) {
                if (exit.getMessage() != null && !exit.getMessage().isEmpty()) {
                    cmd.getErr().println(exit.getMessage());
                }
                return exit.status();
            }
            if (e instanceof SpecException spec) {
                cmd.getErr().println("invalid spec:\n  " + String.join("\n  ", spec.problems()));
                return ExitStatus.BAD_INPUT;
            }
            if (e instanceof IllegalArgumentException || usersToFix.stream().anyMatch(t -> t.isInstance(e))) {
                cmd.getErr().println(cmd.getCommandName() + ": " + e.getMessage());
                return ExitStatus.BAD_INPUT;
            }
            throw e;
        }).execute(args);
    }
}
