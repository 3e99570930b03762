package dev.gantry.spec;

import java.util.List;

/**
 * Shape of one network (G or D).
 *
 * @param channels base width; the per-resolution widths are multiples of it (see {@link Architecture})
 * @param attention feature-map sizes that get an attention block ("feat16" = 16)
 * @param spectralNorm whether every conv, linear and embedding weight is spectrally normalised
 */
public record NetworkConfig(int channels, List<Integer> attention, boolean spectralNorm) {
    public NetworkConfig {
        attention = List.copyOf(attention);
    }
}
