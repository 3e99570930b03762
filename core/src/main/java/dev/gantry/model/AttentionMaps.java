package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Attention maps collected during one forward pass, for visualisation (the paper's Figure 5).
 * Each entry is (batch, queries, keys) with queries and keys indexing an HxW feature map.
 */
public final class AttentionMaps {
    public record Map(String layer, int height, int width, NDArray weights) {}

    private final List<Map> maps = new ArrayList<>();

    void record(String layer, int height, int width, NDArray weights) {
        maps.add(new Map(layer, height, width, weights));
    }

    public List<Map> maps() {
        return maps;
    }
}
