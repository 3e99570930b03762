package dev.gantry.evaluation;

import java.util.Map;

/**
 * Feature statistics of a labelled image set: over all images, and per class (for intra-FID).
 *
 * @param perClass by class name, in label order
 * @param classCounts images per class, in label order
 */
public record ClassStatistics(String extractorId, GaussianStats all, Map<String, GaussianStats> perClass,
        int[] classCounts) {}
