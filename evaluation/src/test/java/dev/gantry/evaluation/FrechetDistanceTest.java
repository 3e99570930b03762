package dev.gantry.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Fixtures and expected values come from tools/fid_reference.py (NumPy/SciPy, independent of gantry). */
class FrechetDistanceTest {
    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(FrechetDistanceTest.class.getResource("/fid/" + name).toURI());
    }

    private static JsonNode expected() throws Exception {
        return new ObjectMapper().readTree(fixture("expected.json").toFile());
    }

    @ParameterizedTest
    @ValueSource(strings = {"d16", "d64", "d64_rank_deficient"})
    void matchesTheNumpyEigenvalueReferenceTo1e9(String name) throws Exception {
        double fd = FrechetDistance.between(Npz.readStats(fixture(name + "_a.npz")), Npz.readStats(fixture(name + "_b.npz")));
        double reference = expected().path(name).path("eigen").asDouble();
        assertEquals(reference, fd, 1e-9 * reference);
    }

    @ParameterizedTest
    @ValueSource(strings = {"d16", "d64"})
    void matchesPytorchFidsSqrtmTo1e9OnFullRankCovariances(String name) throws Exception {
        double fd = FrechetDistance.between(Npz.readStats(fixture(name + "_a.npz")), Npz.readStats(fixture(name + "_b.npz")));
        double reference = expected().path(name).path("pytorch_fid").asDouble();
        assertEquals(reference, fd, 1e-9 * reference);
    }

    @Test
    void onSingularCovariancesSqrtmIsTheLessAccurateOneButStillClose() throws Exception {
        String name = "d64_rank_deficient";
        double fd = FrechetDistance.between(Npz.readStats(fixture(name + "_a.npz")), Npz.readStats(fixture(name + "_b.npz")));
        assertEquals(expected().path(name).path("pytorch_fid").asDouble(), fd, 1e-7 * fd);
    }

    @Test
    void distanceToItselfIsZeroAndTheDistanceIsSymmetric() throws Exception {
        GaussianStats a = Npz.readStats(fixture("d64_a.npz"));
        GaussianStats b = Npz.readStats(fixture("d64_b.npz"));
        double trace = 0;
        for (int i = 0; i < a.dim(); i++) {
            trace += a.sigma()[i * a.dim() + i];
        }
        assertEquals(0.0, FrechetDistance.between(a, a), 1e-10 * trace);
        assertEquals(FrechetDistance.between(a, b), FrechetDistance.between(b, a), 1e-10 * FrechetDistance.between(a, b));
    }

    /** Diagonal covariances: d^2 = |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2. */
    @Test
    void closedFormForDiagonalGaussians() {
        int d = 50;
        SplittableRandom random = new SplittableRandom(8);
        double[] mu1 = new double[d], mu2 = new double[d], s1 = new double[d * d], s2 = new double[d * d];
        double expected = 0;
        for (int i = 0; i < d; i++) {
            mu1[i] = random.nextGaussian();
            mu2[i] = random.nextGaussian();
            double a = random.nextDouble() * 4, b = i % 7 == 0 ? 0 : random.nextDouble() * 4;
            s1[i * d + i] = a;
            s2[i * d + i] = b;
            expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + Math.pow(Math.sqrt(a) - Math.sqrt(b), 2);
        }
        double fd = FrechetDistance.between(new GaussianStats(mu1, s1, 0), new GaussianStats(mu2, s2, 0));
        assertEquals(expected, fd, 1e-12 * expected);
    }

    @Test
    void nanAndAsymmetricInputsGetErrorsThatNameTheSide() {
        double[] mu = {0, 0};
        GaussianStats ok = new GaussianStats(mu, new double[] {1, 0, 0, 1}, 0);
        StatisticsException nan = assertThrows(StatisticsException.class,
                () -> FrechetDistance.between(ok, new GaussianStats(mu, new double[] {1, 0, 0, Double.NaN}, 0), "real.npz",
                        "fake.npz"));
        assertTrue(nan.getMessage().startsWith("fake.npz: sigma[1][1] is NaN"), nan.getMessage());
        StatisticsException asym = assertThrows(StatisticsException.class,
                () -> FrechetDistance.between(new GaussianStats(mu, new double[] {1, 0.5, 0.2, 1}, 0), ok, "real.npz", "x"));
        assertTrue(asym.getMessage().startsWith("real.npz: sigma is not symmetric"), asym.getMessage());
        assertThrows(StatisticsException.class, () -> FrechetDistance.between(ok,
                new GaussianStats(new double[3], new double[9], 0)));
    }

    /** Rounding in whoever wrote a covariance leaves it nearly symmetric; the mean of the two halves is used. */
    @ParameterizedTest
    @ValueSource(strings = {"d16", "d64"})
    void nearlySymmetricCovariancesCountAsTheirSymmetricPartAndAreNotModified(String name) throws Exception {
        GaussianStats a = Npz.readStats(fixture(name + "_a.npz"));
        GaussianStats b = Npz.readStats(fixture(name + "_b.npz"));
        int d = a.dim();
        double[] skewed = a.sigma().clone();
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double offset = 1e-10 * Math.abs(skewed[i * d + j]) * ((i + j) % 3 - 1);
                skewed[i * d + j] += offset;
                skewed[j * d + i] -= offset;
            }
        }
        double[] skewedCopy = skewed.clone(), bCopy = b.sigma().clone();
        double expected = FrechetDistance.between(a, b);
        double fd = FrechetDistance.between(new GaussianStats(a.mu(), skewed, 0), b);
        assertEquals(expected, fd, 1e-12 * expected);
        assertTrue(java.util.Arrays.equals(skewedCopy, skewed) && java.util.Arrays.equals(bCopy, b.sigma()),
                "the caller's covariances were modified");
    }

    @Test
    void streamingStatisticsMatchNumpyMeanAndCovInBatchesOfAnySize() throws Exception {
        Map<String, Npz.Array> arrays = Npz.read(fixture("features.npz"));
        Npz.Array features = arrays.get("features");
        int n = (int) features.shape()[0], d = (int) features.shape()[1];
        StatsAccumulator acc = new StatsAccumulator(d);
        int[] batches = {1, 7, 64, 100, 128};
        int start = 0;
        for (int i = 0; start < n; i++) {
            int size = Math.min(batches[i % batches.length], n - start);
            double[] rows = new double[size * d];
            System.arraycopy(features.values(), start * d, rows, 0, size * d);
            acc.add(rows, size);
            start += size;
        }
        GaussianStats stats = acc.stats();
        assertEquals(n, stats.count());
        double[] mu = arrays.get("mu").values(), sigma = arrays.get("sigma").values();
        for (int i = 0; i < d; i++) {
            assertEquals(mu[i], stats.mu()[i], 1e-12 * Math.abs(mu[i]));
        }
        for (int i = 0; i < d * d; i++) {
            assertEquals(sigma[i], stats.sigma()[i], 1e-10, "sigma[" + i + "]");
        }
    }

    @Test
    void npzWrittenByGantryReadsBackAndIntraFidAveragesClasses(@TempDir Path dir) throws Exception {
        GaussianStats a = Npz.readStats(fixture("d16_a.npz"));
        GaussianStats b = Npz.readStats(fixture("d16_b.npz"));
        Npz.writeStats(dir.resolve("a.npz"), a);
        GaussianStats back = Npz.readStats(dir.resolve("a.npz"));
        assertEquals(0.0, FrechetDistance.between(a, back), 1e-12);
        Map<String, GaussianStats> real = new LinkedHashMap<>();
        Map<String, GaussianStats> fake = new LinkedHashMap<>();
        real.put("cat", a);
        fake.put("cat", b);
        real.put("dog", a);
        fake.put("dog", a);
        IntraFid.Result result = IntraFid.compute(real, fake);
        double catFd = FrechetDistance.between(a, b);
        assertEquals(catFd, result.perClass().get("cat"), 1e-12);
        assertEquals(catFd / 2, result.mean(), 1e-9);
        assertThrows(StatisticsException.class, () -> IntraFid.compute(real, Map.of("cat", b)));
    }

    @Test
    void unreadableFilesAreNamed(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("junk.npz");
        java.nio.file.Files.writeString(junk, "not a zip");
        StatisticsException e = assertThrows(StatisticsException.class, () -> Npz.readStats(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
    }

    /** The covariance of n rows of an AR(1) process (each coordinate leans on the previous one by {@code lean}). */
    private static double[] covariance(java.util.SplittableRandom random, int d, int n, double lean) {
        StatsAccumulator acc = new StatsAccumulator(d);
        double[] rows = new double[n * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = random.nextGaussian() + (i % d == 0 ? 0.0 : lean * rows[i - 1]);
        }
        acc.add(rows, n);
        return acc.stats().sigma();
    }

    private static double ejmlTraceSqrt(double[] s1, double[] s2, int d) {
        return FrechetDistance.traceSqrtProduct(new org.ejml.data.DMatrixRMaj(d, d, true, s1),
                new org.ejml.data.DMatrixRMaj(d, d, true, s2));
    }

    /** Fewer samples than dimensions on both sides: both singular, the eigh route. */
    @Test
    void libtorchAndEjmlComputeTheSameTraceOfTheSquareRoot() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (int d : new int[] {64, 150}) {
            double[] s1 = covariance(random, d, d / 2, 0.0), s2 = covariance(random, d, d / 2, 0.5);
            double ejml = ejmlTraceSqrt(s1, s2, d);
            assertEquals(ejml, TorchTraceSqrt.get().traceSqrtProduct(s1, s2, d), 1e-9 * Math.abs(ejml), "d=" + d);
        }
    }

    /** One side from fewer samples than dimensions (singular), the other positive definite, in either order. */
    @Test
    void aSingularCovarianceOnEitherSideGivesTheEjmlValue() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(13);
        int d = 120;
        double[] singular = covariance(random, d, d / 2, 0.3), definite = covariance(random, d, 3 * d, 0.0);
        double ejml = ejmlTraceSqrt(singular, definite, d);
        assertEquals(ejml, TorchTraceSqrt.get().traceSqrtProduct(singular, definite, d, 32), 1e-9 * ejml);
        assertEquals(ejml, TorchTraceSqrt.get().traceSqrtProduct(definite, singular, d, 32), 1e-9 * ejml);
    }

    /** The Cholesky route's blocked triangular products, with blocks that do not divide d. */
    @Test
    void blockedTriangularProductsGiveTheEjmlValueForAnyBlockWidth() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(12);
        int d = 150;
        double[] s1 = covariance(random, d, 3 * d, 0.0), s2 = covariance(random, d, 3 * d, 0.6);
        double ejml = ejmlTraceSqrt(s1, s2, d);
        for (int block : new int[] {1, 7, 64, 149, 150, 256}) {
            double torch = TorchTraceSqrt.get().traceSqrtProduct(s1, s2, d, block);
            assertEquals(ejml, torch, 1e-12 * Math.abs(ejml), "block " + block);
        }
    }
}
