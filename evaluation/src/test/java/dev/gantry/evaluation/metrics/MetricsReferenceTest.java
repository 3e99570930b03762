package dev.gantry.evaluation.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.evaluation.Npz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KID, precision/recall and density/coverage on 2,000 x 2,048 features against an independent
 * NumPy / scikit-learn reference (tools/metrics_reference.py) on the very same features and
 * subsets, to 1e-6 relative.
 */
class MetricsReferenceTest {
    private static final int N = 2000;
    private static final int D = 2048;
    private static final int SUBSETS = 10;
    private static final int SUBSET_SIZE = 500;
    private static final long SEED = 42;

    @TempDir
    static Path dir;
    static Features real;
    static Features fake;
    static JsonNode reference;

    /** Two Gaussian clouds that overlap partly, with some structure (a low-rank part), like features do. */
    private static Features cloud(long seed, double shift) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] basis = new double[8 * D];
        SplittableRandom shared = new SplittableRandom(7);
        for (int i = 0; i < basis.length; i++) {
            basis[i] = shared.nextGaussian();
        }
        double[] v = new double[N * D];
        for (int i = 0; i < N; i++) {
            double[] z = new double[8];
            for (int c = 0; c < 8; c++) {
                z[c] = random.nextGaussian();
            }
            for (int j = 0; j < D; j++) {
                double x = 0.5 * random.nextGaussian() + shift;
                for (int c = 0; c < 8; c++) {
                    x += 0.3 * z[c] * basis[c * D + j];
                }
                v[i * D + j] = Math.max(0, x);  // ReLU features, as pool3 is
            }
        }
        return new Features(N, D, v);
    }

    @BeforeAll
    static void computeReference() throws Exception {
        real = cloud(1, 0.0);
        fake = cloud(2, 0.08);
        int[][][] indices = KernelInceptionDistance.subsetIndices(N, N, SUBSETS, SUBSET_SIZE, SEED);
        double[] flat = new double[SUBSETS * 2 * SUBSET_SIZE];
        for (int s = 0; s < SUBSETS; s++) {
            for (int side = 0; side < 2; side++) {
                for (int i = 0; i < SUBSET_SIZE; i++) {
                    flat[(s * 2 + side) * SUBSET_SIZE + i] = indices[s][side][i];
                }
            }
        }
        Map<String, Npz.Array> arrays = new LinkedHashMap<>();
        arrays.put("real", new Npz.Array(new long[] {N, D}, real.values()));
        arrays.put("fake", new Npz.Array(new long[] {N, D}, fake.values()));
        arrays.put("kid_indices", new Npz.Array(new long[] {SUBSETS, 2, SUBSET_SIZE}, flat));
        Path fixture = dir.resolve("fixture.npz");
        Npz.write(fixture, arrays);
        Path script = Path.of(System.getProperty("gantry.repo"), "tools", "metrics_reference.py");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), fixture.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0,
                "tools/metrics_reference.py failed (needs python3-numpy and python3-sklearn):\n" + out);
        reference = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
    }

    private static void assertRelative(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-6 * Math.max(Math.abs(expected), 1e-12), what);
    }

    @Test
    void kidMatchesTheNumpyFormulaOnTheSameSubsets() {
        KernelInceptionDistance.Result kid = KernelInceptionDistance.compute(real, fake, SUBSETS, SUBSET_SIZE, SEED);
        assertRelative(reference.get("kid_mean").asDouble(), kid.mean(), "KID mean");
        assertRelative(reference.get("kid_std").asDouble(), kid.std(), "KID std");
        assertTrue(kid.mean() > 0, "the clouds differ: " + kid.mean());
    }

    @Test
    void kidOfASetWithItselfIsZeroOnAverage() {
        KernelInceptionDistance.Result same = KernelInceptionDistance.compute(real, real.rows(reverse(N)), 20, 200, 3);
        KernelInceptionDistance.Result different = KernelInceptionDistance.compute(real, fake, 20, 200, 3);
        assertTrue(Math.abs(same.mean()) < 3 * same.std() / Math.sqrt(20) + 1e-9,
                "unbiased: " + same.mean() + " +- " + same.std());
        assertTrue(different.mean() > 4 * Math.abs(same.mean()), different.mean() + " vs " + same.mean());
    }

    @Test
    void precisionRecallAndDensityCoverageMatchScikitLearnNeighbours() {
        NearestNeighbourMetrics.PrecisionRecall pr = NearestNeighbourMetrics.precisionRecall(real, fake, 3);
        NearestNeighbourMetrics.DensityCoverage dc = NearestNeighbourMetrics.densityCoverage(real, fake, 5);
        assertRelative(reference.get("precision").asDouble(), pr.precision(), "precision");
        assertRelative(reference.get("recall").asDouble(), pr.recall(), "recall");
        assertRelative(reference.get("density").asDouble(), dc.density(), "density");
        assertRelative(reference.get("coverage").asDouble(), dc.coverage(), "coverage");
        assertTrue(pr.precision() > 0 && pr.precision() < 1, "a fixture that tests something: precision " + pr.precision());
    }

    private static int[] reverse(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = n - 1 - i;
        }
        return r;
    }
}
