package dev.gantry.spec;

import dev.gantry.failure.PermanentException;
import java.util.List;

/** An experiment spec that cannot be used; each problem names the file, line and field. */
public final class SpecException extends PermanentException {
    private final List<String> problems;

    public SpecException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
