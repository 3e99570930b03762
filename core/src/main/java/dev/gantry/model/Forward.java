package dev.gantry.model;

/**
 * How a forward pass runs.
 *
 * @param training batch statistics and one spectral-norm power iteration per weight (true), or
 *     running statistics and the stored u/v vectors (false)
 * @param attentionMaps where attention blocks put their maps; null when nobody asks
 */
public record Forward(boolean training, AttentionMaps attentionMaps) {
    public static final Forward TRAIN = new Forward(true, null);
    public static final Forward EVAL = new Forward(false, null);
}
