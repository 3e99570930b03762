package dev.gantry.evaluation.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.cluster.MetricNames.SetMetric;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.ReferenceStatistics;
import dev.gantry.evaluation.features.FeatureExtractor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set metrics an evaluation adds to FID, on synthetic features whose answer is known: samples
 * of one distribution against themselves and against a shifted copy; the kept feature files read
 * back with the project's independent .npy reader (itself checked against NumPy).
 */
class SetMetricsTest {
    private static final List<String> CLASSES = List.of("a", "b");

    @Test
    void sameDistributionScoresNearPerfectAndAShiftedOneDoesNot() {
        LabeledFeatures real = gaussian(600, 8, 0.0, 1);
        LabeledFeatures same = gaussian(600, 8, 0.0, 2);
        LabeledFeatures shifted = gaussian(600, 8, 3.0, 3);
        var all = EnumSet.of(SetMetric.KID, SetMetric.PR, SetMetric.DC);
        SetMetrics.Values good = SetMetrics.compute(real, same, CLASSES, all, 0);
        SetMetrics.Values bad = SetMetrics.compute(real, shifted, CLASSES, all, 0);
        assertTrue(Math.abs(good.values().get("kid")) < 0.05, good.toString());
        assertTrue(bad.values().get("kid") > 1.0, bad.toString());
        assertTrue(good.values().get("precision") > 0.8 && good.values().get("recall") > 0.8, good.toString());
        assertTrue(bad.values().get("precision") < 0.1 && bad.values().get("coverage") < 0.1, bad.toString());
        assertEquals(2, good.perClassKid().size());
        assertEquals((good.perClassKid().get("a") + good.perClassKid().get("b")) / 2, good.values().get("intra_kid"), 1e-12);
        // KID of the whole set is the same computation as 'gantry kid' (checked against NumPy in MetricsReferenceTest)
        assertEquals(KernelInceptionDistance.compute(real.rows(-1), shifted.rows(-1), SetMetrics.KID_SUBSETS, 600, 0).mean(),
                bad.values().get("kid"), 0.0);
        assertEquals("kid:subsets=100,size=600,class-size<=1000,seed=0;pr:k=3;dc:k=5", bad.settings());
        SetMetrics.Values onlyPr = SetMetrics.compute(real, same, CLASSES, EnumSet.of(SetMetric.PR), 0);
        assertEquals(List.of("precision", "recall"), List.copyOf(onlyPr.values().keySet()));
    }

    @Test
    void keptFeaturesAreBoundedPerClassAndReadBackAsFloat32(@TempDir Path dir) throws Exception {
        int perClass = LabeledFeatures.rowsPerClass(2);
        LabeledFeatures.Builder b = new LabeledFeatures.Builder(3, 2);
        float[] rows = new float[3 * (perClass + 5)];
        int[] labels = new int[perClass + 5];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i * 0.5f;
        }
        b.add(rows, labels.length, labels);  // all class 0: only perClass kept
        b.add(new float[] {7, 8, 9}, 1, new int[] {1});
        LabeledFeatures kept = b.build();
        assertEquals(perClass + 1, kept.n());
        assertEquals(perClass, kept.rows(0).n());
        Path file = dir.resolve("f.npy");
        kept.write(file);
        Npz.Array back = Npz.readNpy(file);
        assertArrayEquals(new long[] {perClass + 1, 3}, back.shape());
        assertEquals(7.0, back.values()[perClass * 3]);
        assertTrue(new String(Files.readAllBytes(file), 0, 60, java.nio.charset.StandardCharsets.ISO_8859_1).contains("'<f4'"));
        Files.write(dir.resolve("l.npy"), kept.labelsNpy());
        assertEquals(1.0, Npz.readNpy(dir.resolve("l.npy")).values()[perClass]);
    }

    @Test
    void realFeaturesAreComputedOnceAndCachedBesideTheStatistics(@TempDir Path cache) throws Exception {
        byte[] pixels = new byte[6 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        LabeledImages data = new LabeledImages("tiny", 6, 1, 2, pixels, new int[] {0, 1, 0, 1, 0, 1}, CLASSES);
        AtomicInteger calls = new AtomicInteger();
        FeatureExtractor meanPixel = new FeatureExtractor() {
            public String id() { return "mean-pixel"; }
            public int featureDim() { return 2; }
            public String weightsSha256() { return "0".repeat(64); }
            public boolean isStandardInception() { return false; }
            public float[] features(float[] images, int n, int channels, int size) {
                calls.incrementAndGet();
                float[] out = new float[n * 2];
                for (int i = 0; i < n; i++) {
                    float s = 0;
                    for (int j = 0; j < 4; j++) {
                        s += images[i * 4 + j];
                    }
                    out[2 * i] = s / 4;
                    out[2 * i + 1] = images[i * 4];
                }
                return out;
            }
            public boolean accepts(int channels, int size) { return true; }
            public void close() { }
        };
        LabeledFeatures first = ReferenceStatistics.features(data, meanPixel, cache, "k");
        LabeledFeatures again = ReferenceStatistics.features(data, meanPixel, cache, "k");
        assertEquals(1, calls.get(), "the second call reads the cache");
        assertArrayEquals(first.values(), again.values());
        assertArrayEquals(new int[] {0, 1, 0, 1, 0, 1}, again.labels());
        assertTrue(Files.isRegularFile(cache.resolve("k").resolve(ReferenceStatistics.FEATURES)));
    }

    private static LabeledFeatures gaussian(int n, int d, double shift, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n * d];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int j = 0; j < d; j++) {
                values[i * d + j] = (float) (random.nextGaussian() + shift);
            }
        }
        return new LabeledFeatures(n, d, values, labels);
    }

}
