package dev.gantry.evaluation;

import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.features.FeatureExtractor;
import dev.gantry.evaluation.metrics.LabeledFeatures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Statistics of real images, computed once per (dataset, split, extractor, image size) and cached
 * as pytorch-fid-compatible .npz files: "all.npz" and one "class-NN.npz" per class.
 */
public final class ReferenceStatistics {
    private static final int BATCH = 500;
    public static final String FEATURES = "features.npy";
    public static final String LABELS = "labels.npy";

    private ReferenceStatistics() {}

    /**
     * The cache directory name for statistics of {@code data} under {@code extractor}. The
     * extractor is named by id and weights (statistics from one fmnist-cnn-v1 training, read
     * against features of another, put a good generator at the FID of noise), and the images by a
     * hash of their content: two data sets under one name (a CIFAR-10 directory holding something
     * else, an image folder whose files changed) never share statistics.
     */
    public static String key(LabeledImages data, FeatureExtractor extractor) {
        return (data.name() + "-" + extractor.id() + "-" + extractor.weightsSha256().substring(0, 12) + "-" + data.size()
                + "-" + contentSha256(data).substring(0, 12)).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** SHA-256 of the images as the extractor sees them: shape, class names, labels and pixels. */
    public static String contentSha256(LabeledImages data) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((data.count() + "x" + data.channels() + "x" + data.size() + "x" + data.size() + ";"
                    + String.join(",", data.classNames()) + ";").getBytes(StandardCharsets.UTF_8));
            ByteBuffer labels = ByteBuffer.allocate(4 * data.labels().length);
            labels.asIntBuffer().put(data.labels());
            digest.update(labels.array());
            digest.update(data.pixels());
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ClassStatistics loadOrCompute(LabeledImages data, FeatureExtractor extractor, Path cacheRoot)
            throws IOException {
        return loadOrCompute(data, extractor, cacheRoot, key(data, extractor));
    }

    /** As {@link #loadOrCompute(LabeledImages, FeatureExtractor, Path)} with its {@link #key} already known. */
    public static ClassStatistics loadOrCompute(LabeledImages data, FeatureExtractor extractor, Path cacheRoot, String key)
            throws IOException {
        Path dir = cacheRoot.resolve(key);
        List<String> names = data.classNames();
        if (Files.isRegularFile(dir.resolve("all.npz"))) {
            Map<String, GaussianStats> perClass = new LinkedHashMap<>();
            for (int c = 0; c < names.size(); c++) {
                perClass.put(names.get(c), Npz.readStats(dir.resolve(classFile(c))));
            }
            return new ClassStatistics(extractor.id(), Npz.readStats(dir.resolve("all.npz")), perClass, data.classCounts());
        }
        ClassStatistics stats = compute(data, extractor);
        Files.createDirectories(dir);
        for (int c = 0; c < names.size(); c++) {
            Npz.writeStats(dir.resolve(classFile(c)), stats.perClass().get(names.get(c)));
        }
        // all.npz last: its presence marks a complete cache entry
        Npz.writeStats(dir.resolve("all.npz"), stats.all());
        return stats;
    }

    public static ClassStatistics compute(LabeledImages data, FeatureExtractor extractor) {
        int classes = data.numClasses();
        StatsAccumulator all = new StatsAccumulator(extractor.featureDim());
        StatsAccumulator[] perClass = new StatsAccumulator[classes];
        for (int c = 0; c < classes; c++) {
            perClass[c] = new StatsAccumulator(extractor.featureDim());
        }
        int dim = extractor.featureDim();
        for (int start = 0; start < data.count(); start += BATCH) {
            int n = Math.min(BATCH, data.count() - start);
            float[] f = extractor.features(data.range(start, n), n, data.channels(), data.size());
            all.add(f, n);
            for (int i = 0; i < n; i++) {
                float[] row = new float[dim];
                System.arraycopy(f, i * dim, row, 0, dim);
                perClass[data.labels()[start + i]].add(row, 1);
            }
        }
        Map<String, GaussianStats> byName = new LinkedHashMap<>();
        for (int c = 0; c < classes; c++) {
            byName.put(data.classNames().get(c), perClass[c].stats());
        }
        return new ClassStatistics(extractor.id(), all.stats(), byName, data.classCounts());
    }

    /**
     * Features of the real images (at most {@link LabeledFeatures#rowsPerClass} per class, the first
     * of each class), for the metrics that need samples rather than Gaussian fits. Cached beside
     * the statistics as float32 "features.npy" and int64 "labels.npy"; computed on first use.
     */
    public static LabeledFeatures features(LabeledImages data, FeatureExtractor extractor, Path cacheRoot, String key)
            throws IOException {
        Path dir = cacheRoot.resolve(key);
        Path featuresFile = dir.resolve(FEATURES);
        Path labelsFile = dir.resolve(LABELS);
        if (Files.isRegularFile(labelsFile)) {
            Npz.Array f = Npz.readNpy(featuresFile);
            Npz.Array l = Npz.readNpy(labelsFile);
            if (f.shape().length != 2 || f.shape()[1] != extractor.featureDim() || l.shape()[0] != f.shape()[0]) {
                throw new StatisticsException(featuresFile + ": not " + extractor.featureDim() + "-dimensional features"
                        + " with one label per row");
            }
            float[] values = new float[f.values().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) f.values()[i];
            }
            int[] labels = new int[(int) l.shape()[0]];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = (int) l.values()[i];
                if (labels[i] < 0 || labels[i] >= data.numClasses()) {
                    throw new StatisticsException(labelsFile + ": label " + labels[i] + " out of range");
                }
            }
            return new LabeledFeatures(labels.length, extractor.featureDim(), values, labels);
        }
        LabeledFeatures.Builder kept = new LabeledFeatures.Builder(extractor.featureDim(), data.numClasses());
        for (int start = 0; start < data.count(); start += BATCH) {
            int n = Math.min(BATCH, data.count() - start);
            float[] f = extractor.features(data.range(start, n), n, data.channels(), data.size());
            kept.add(f, n, java.util.Arrays.copyOfRange(data.labels(), start, start + n));
        }
        LabeledFeatures features = kept.build();
        Files.createDirectories(dir);
        writeAtomically(featuresFile, features.featuresNpy());
        writeAtomically(labelsFile, features.labelsNpy());  // last: its presence marks both files complete
        return features;
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String classFile(int c) {
        return String.format("class-%03d.npz", c);
    }
}
