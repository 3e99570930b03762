package dev.gantry.training;

import dev.gantry.failure.PermanentException;

/** Training diverged: a loss became NaN or infinite. A retry from the same checkpoint would do the same. */
public final class NonFiniteLossException extends PermanentException {
    public NonFiniteLossException(StepStats stats) {
        super("non-finite loss at step " + stats.step() + ": lossD=" + stats.lossD() + " lossG=" + stats.lossG());
    }
}
