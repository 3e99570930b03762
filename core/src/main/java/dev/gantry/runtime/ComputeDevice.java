package dev.gantry.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a training step's tensors live: {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}.
 * Parsed and checked here so that every command that trains takes the same spellings and refuses
 * a GPU that libtorch cannot see with the same message, before any work starts.
 */
public record ComputeDevice(boolean gpu, int index) {
    private static final Pattern GPU = Pattern.compile("gpu(?::(\\d{1,3}))?");

    public static final ComputeDevice CPU = new ComputeDevice(false, 0);

    public ComputeDevice {
        if (index < 0 || (!gpu && index != 0)) {
            throw new IllegalArgumentException("device index " + index + " is not valid for " + (gpu ? "gpu" : "cpu"));
        }
    }

    /** @param flag the option's name, for the error message */
    public static ComputeDevice parse(String flag, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("cpu")) {
            return CPU;
        }
        Matcher m = GPU.matcher(v);
        if (m.matches()) {
            return new ComputeDevice(true, m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
        }
        throw new IllegalArgumentException(flag + " '" + value + "': expected cpu, gpu or gpu:N (N = 0, 1, ...)");
    }

    /**
     * The DJL device, after checking that libtorch sees it. The CPU build of libtorch (what Maven
     * Central's pytorch-native-cpu holds) sees no GPU: the message says which natives to use.
     */
    public Device require(String flag) {
        if (!gpu) {
            return Device.cpu();
        }
        int visible = Engine.getEngine("PyTorch").getGpuCount();
        if (index >= visible) {
            throw new IllegalArgumentException(flag + " " + this + ": libtorch sees " + visible + " GPU(s)"
                    + (visible == 0 ? " (the CPU build of libtorch is loaded; a GPU needs DJL's CUDA build of libtorch"
                            + " 2.7.1, as in the gantry-gpu image: docker/Dockerfile.gpu)" : ""));
        }
        return Device.gpu(index);
    }

    @Override
    public String toString() {
        return gpu ? "gpu:" + index : "cpu";
    }
}
