package dev.gantry.config;

/** The exit statuses of every gantry process and command, in one place. */
public final class ExitStatus {
    public static final int OK = 0;
    /** Something the user must fix: a bad spec, dataset, checkpoint, flag or configuration. */
    public static final int BAD_INPUT = 2;
    /** Numbers cannot be trusted here: a failed self-test or a diverged run. */
    public static final int NUMERICS = 3;
    /** A coordinator that another one fenced: it stopped writing, by design. */
    public static final int FENCED = 4;

    private ExitStatus() {}
}
