package dev.gantry.spec;

import java.util.Arrays;
import java.util.Optional;

/** Which generator an evaluation or a sample grid draws from: the trained weights or their moving average. */
public enum GeneratorChoice {
    RAW("raw"),
    EMA("ema");

    private final String specName;

    GeneratorChoice(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }

    /** "raw" or "ema"; an empty name (messages from before the field existed) is RAW. */
    public static Optional<GeneratorChoice> bySpecName(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of(RAW);
        }
        return Arrays.stream(values()).filter(g -> g.specName.equals(name)).findFirst();
    }
}
