package dev.gantry.worker;

import dev.gantry.config.ExitException;
import dev.gantry.runtime.ComputeDevice;
import picocli.CommandLine.Option;

/** {@code --device} and {@code --loss-every}: where training runs and how often it syncs with the host. */
public final class ComputeOptions {
    public static final String DEVICE_ENV = "GANTRY_DEVICE";
    public static final int DEFAULT_LOSS_EVERY = 10;

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N",
            description = "where every tensor of a training step lives (default: $GANTRY_DEVICE, else cpu)")
    String device;

    @Option(names = "--loss-every", paramLabel = "K", defaultValue = "" + DEFAULT_LOSS_EVERY,
            description = "copy the losses to the host every K steps, not after each (a copy waits for the GPU;"
                    + " default: ${DEFAULT-VALUE})")
    int lossEvery;

    /** The device asked for (flag, then environment), parsed; not yet checked against the engine. */
    public ComputeDevice device() {
        String env = System.getenv(DEVICE_ENV);
        String value = device != null ? device : env != null && !env.isBlank() ? env : "cpu";
        try {
            return ComputeDevice.parse(device != null ? "--device" : DEVICE_ENV, value);
        } catch (IllegalArgumentException e) {
            throw ExitException.badInput(e.getMessage());
        }
    }

    public int lossEvery() {
        if (lossEvery < 1) {
            throw ExitException.badInput("--loss-every must be at least 1 (got " + lossEvery + ")");
        }
        return lossEvery;
    }
}
