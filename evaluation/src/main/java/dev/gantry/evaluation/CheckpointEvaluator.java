package dev.gantry.evaluation;

import dev.gantry.evaluation.features.FeatureExtractor;
import dev.gantry.model.Sagan;
import dev.gantry.evaluation.metrics.LabeledFeatures;
import dev.gantry.sampling.Sampler;
import dev.gantry.spec.GeneratorChoice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FID and intra-FID of a generator against real statistics. For each class c it generates n_c
 * images of class c (by default as many as the real set has: StudioGAN's convention); FID pools
 * all of them against the real statistics of all classes, intra-FID compares class by class.
 * Deterministic for a given (model state, eval seed).
 */
public final class CheckpointEvaluator {
    private static final int BATCH = 250;

    /** @param fid pooled FID; intraFid per-class FIDs and their mean; metric names carry the extractor id */
    public record Result(String fidName, double fid, String intraFidName, IntraFid.Result intraFid, int[] samplesPerClass) {}

    private CheckpointEvaluator() {}

    /** @param samplesPerClass null for the real class counts */
    public static Result evaluate(Sagan model, List<String> classNames, FeatureExtractor extractor, ClassStatistics real,
            int[] samplesPerClass, long evalSeed, java.util.function.IntConsumer onImages) {
        return evaluate(model, GeneratorChoice.RAW, classNames, extractor, real, samplesPerClass, evalSeed, onImages);
    }

    /** The same with the chosen generator (EMA only where the model keeps one). */
    public static Result evaluate(Sagan model, GeneratorChoice generator, List<String> classNames,
            FeatureExtractor extractor, ClassStatistics real, int[] samplesPerClass, long evalSeed,
            java.util.function.IntConsumer onImages) {
        return evaluate(model, generator, classNames, extractor, real, samplesPerClass, evalSeed, null, onImages);
    }

    /** @param keep where the generated images' features go for the other metrics (null: not kept) */
    public static Result evaluate(Sagan model, GeneratorChoice generator, List<String> classNames,
            FeatureExtractor extractor, ClassStatistics real, int[] samplesPerClass, long evalSeed,
            LabeledFeatures.Builder keep, java.util.function.IntConsumer onImages) {
        int classes = classNames.size();
        int[] counts = samplesPerClass != null ? samplesPerClass : real.classCounts();
        int channels = model.config().imageChannels();
        int size = model.config().imageSize();
        if (!extractor.accepts(channels, size)) {
            throw new IllegalArgumentException(extractor.id() + " cannot read " + channels + "x" + size + "x" + size
                    + " images");
        }
        Sampler sampler = new Sampler(model, generator);
        StatsAccumulator pooled = new StatsAccumulator(extractor.featureDim());
        Map<String, GaussianStats> generated = new LinkedHashMap<>();
        for (int c = 0; c < classes; c++) {
            StatsAccumulator perClass = new StatsAccumulator(extractor.featureDim());
            for (int start = 0, batch = 0; start < counts[c]; start += BATCH, batch++) {
                int n = Math.min(BATCH, counts[c] - start);
                long[] labels = new long[n];
                java.util.Arrays.fill(labels, c);
                Sampler.Samples samples = sampler.generate(labels, evalSeed, (long) c << 32 | batch, false);
                float[] f = extractor.features(samples.pixels(), n, channels, size);
                pooled.add(f, n);
                perClass.add(f, n);
                if (keep != null) {
                    int[] rowLabels = new int[n];
                    java.util.Arrays.fill(rowLabels, c);
                    keep.add(f, n, rowLabels);
                }
                onImages.accept(n);
            }
            generated.put(classNames.get(c), perClass.stats());
        }
        double fid = FrechetDistance.between(real.all(), pooled.stats(), "real statistics", "generated statistics");
        IntraFid.Result intra = IntraFid.compute(real.perClass(), generated);
        return new Result(extractor.metricName("fid"), fid, extractor.metricName("intra-fid"), intra, counts);
    }
}
