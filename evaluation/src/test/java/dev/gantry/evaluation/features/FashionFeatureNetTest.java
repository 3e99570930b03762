package dev.gantry.evaluation.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.data.FashionMnist;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.CheckpointEvaluator;
import dev.gantry.evaluation.ClassStatistics;
import dev.gantry.evaluation.FrechetDistance;
import dev.gantry.evaluation.ReferenceStatistics;
import dev.gantry.spec.AttentionKind;
import dev.gantry.spec.ModelConfig;
import dev.gantry.spec.NetworkConfig;
import dev.gantry.model.Sagan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fashion-MNIST feature network on the real dataset (Debian's dataset-fashion-mnist): it
 * trains deterministically to at least 90% test accuracy, and FID computed with it separates
 * real images from an untrained generator's.
 */
class FashionFeatureNetTest {
    @TempDir
    static Path dir;
    static LabeledImages train;
    static LabeledImages test;
    static FashionFeatureNet.TrainingReport report;

    @BeforeAll
    static void trainOnce() throws Exception {
        train = FashionMnist.load(null, "train", 32, null);
        test = FashionMnist.load(null, "test", 32, null);
        report = FashionFeatureNet.train(train, test, 3, 0, dir.resolve("net"), step -> { });
    }

    @Test
    void reachesNinetyPercentTestAccuracyAndReloadsToTheSameAccuracy() {
        assertTrue(report.testAccuracy() >= 0.90, "test accuracy " + report.testAccuracy());
        try (FashionFeatureNet loaded = FashionFeatureNet.load(dir.resolve("net"))) {
            assertEquals(report.testAccuracy(), loaded.accuracy(test), 0.0);
            assertEquals("fid[fmnist-cnn-v1]", loaded.metricName("fid"));
        }
    }

    @Test
    void engineFeaturesMatchTheFloat64JavaForwardPass() {
        try (FashionFeatureNet loaded = FashionFeatureNet.load(dir.resolve("net"))) {
            dev.gantry.selftest.Check check = loaded.selfTest();
            assertTrue(check.ran() && check.passed(), check.line());
        }
    }

    @Test
    void corruptOrMissingWeightsAreNamed() throws Exception {
        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> FashionFeatureNet.load(dir.resolve("nothing")));
        assertTrue(missing.getMessage().contains("gantry featurenet train"), missing.getMessage());
        Path copy = dir.resolve("copy");
        Files.createDirectories(copy);
        byte[] weights = Files.readAllBytes(dir.resolve("net").resolve(FashionFeatureNet.WEIGHTS));
        weights[weights.length - 3] ^= 4;
        Files.write(copy.resolve(FashionFeatureNet.WEIGHTS), weights);
        Files.copy(dir.resolve("net").resolve(FashionFeatureNet.INFO), copy.resolve(FashionFeatureNet.INFO));
        CheckpointException corrupt = assertThrows(CheckpointException.class, () -> FashionFeatureNet.load(copy));
        assertTrue(corrupt.getMessage().contains("does not match"), corrupt.getMessage());
    }

    @Test
    void fidSeparatesRealImagesFromAnUntrainedGeneratorAndIsReproducible() throws Exception {
        try (FashionFeatureNet net = FashionFeatureNet.load(dir.resolve("net"));
                NDManager manager = NDManager.newBaseManager()) {
            ClassStatistics real = ReferenceStatistics.loadOrCompute(test, net, dir.resolve("cache"));
            assertTrue(Files.isRegularFile(dir.resolve("cache").resolve(
                    ReferenceStatistics.key(test, net)).resolve("all.npz")));
            assertTrue(ReferenceStatistics.key(test, net).contains(net.weightsSha256().substring(0, 12)),
                    "statistics of other weights under the same extractor id are never reused");
            byte[] changed = test.pixels().clone();
            changed[12345] ^= 1;
            LabeledImages sameName = new LabeledImages(test.name(), test.count(), test.channels(), test.size(), changed,
                    test.labels(), test.classNames());
            assertTrue(!ReferenceStatistics.key(test, net).equals(ReferenceStatistics.key(sameName, net)),
                    "other images under the same data set name get other statistics");
            ClassStatistics cached = ReferenceStatistics.loadOrCompute(test, net, dir.resolve("cache"));
            org.junit.jupiter.api.Assertions.assertArrayEquals(real.all().mu(), cached.all().mu(), "cache round trip");
            org.junit.jupiter.api.Assertions.assertArrayEquals(real.all().sigma(), cached.all().sigma());
            // real train images vs real test statistics: small
            ClassStatistics trainStats = ReferenceStatistics.compute(train, net);
            double realVsReal = FrechetDistance.between(real.all(), trainStats.all());
            ModelConfig config = new ModelConfig(32, 1, 10, 16, new NetworkConfig(2, List.of(), true),
                    new NetworkConfig(2, List.of(), true), AttentionKind.SELF_ATTENTION, 0.1);
            try (Sagan untrained = new Sagan(config, 1, manager)) {
                int[] perClass = new int[10];
                java.util.Arrays.fill(perClass, 50);
                CheckpointEvaluator.Result first = CheckpointEvaluator.evaluate(untrained, test.classNames(), net, real,
                        perClass, 7, n -> { });
                CheckpointEvaluator.Result again = CheckpointEvaluator.evaluate(untrained, test.classNames(), net, real,
                        perClass, 7, n -> { });
                assertEquals(first.fid(), again.fid(), 0.0, "same checkpoint and seed, same number");
                assertTrue(first.fid() > 20 * realVsReal, "untrained " + first.fid() + " vs real/real " + realVsReal);
                assertEquals(10, first.intraFid().perClass().size());
                assertEquals("intra-fid[fmnist-cnn-v1]", first.intraFidName());
            }
        }
    }
}
