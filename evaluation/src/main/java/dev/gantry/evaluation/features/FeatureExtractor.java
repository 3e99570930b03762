package dev.gantry.evaluation.features;

import dev.gantry.cluster.MetricNames;

/**
 * A network that turns images into feature vectors for FID. Every metric names its extractor:
 * only the TF Inception v3 weights give numbers that may be called plain "FID".
 */
public interface FeatureExtractor extends AutoCloseable {
    /** Stable id that goes into metric names and statistics cache keys, e.g. "fmnist-cnn-v1". */
    String id();

    int featureDim();

    /**
     * SHA-256 of the weights: part of the reference-statistics cache key, so statistics computed
     * with one set of weights are never compared with features from another under the same id.
     */
    String weightsSha256();

    /** True only for the Inception v3 weights of the TF FID code. */
    boolean isStandardInception();

    /**
     * @param images n images, CHW float in [-1, 1], at the extractor's expected size and channels
     *     (see {@link #accepts})
     * @return n x featureDim() features, row-major
     */
    float[] features(float[] images, int n, int channels, int size);

    /** Whether images of this channel count and size can be fed (after the extractor's own resizing). */
    boolean accepts(int channels, int size);

    /** The metric name for FID computed with this extractor: "fid" or "fid[id]". */
    default String metricName(String metric) {
        return MetricNames.name(metric, id());
    }

    @Override
    void close();
}
