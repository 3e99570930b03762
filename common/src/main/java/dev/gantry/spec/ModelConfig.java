package dev.gantry.spec;

/**
 * Everything that fixes the shapes of G and D. The spec gives most of it; image channels and
 * class count come from the dataset and are recorded in every checkpoint, so a checkpoint can be
 * sampled without the dataset.
 */
public record ModelConfig(
        int imageSize,
        int imageChannels,
        int numClasses,
        int zDim,
        NetworkConfig generator,
        NetworkConfig discriminator,
        AttentionKind attentionKind,
        double bnMomentum) {}
