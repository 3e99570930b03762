package dev.gantry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.spec.GeneratorChoice;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterRulesTest {
    @Test
    void checkpointUrisAreLaidOutAndParsedBackTheSameWay() {
        String experiment = ClusterLayout.experimentRoot("s3://b/g", "exp");
        assertEquals("s3://b/g/experiments/exp/", experiment);
        String uri = ClusterLayout.checkpointUri(experiment, "exp-t000", 200);
        assertEquals("s3://b/g/experiments/exp/exp-t000/step-00000200/", uri);
        assertEquals(Optional.of(new ClusterLayout.CheckpointAt("exp-t000", 200)), ClusterLayout.parseCheckpoint(uri));
        assertEquals(Optional.of(new ClusterLayout.CheckpointAt("t", 123456789)),
                ClusterLayout.parseCheckpoint("/runs/t/step-123456789"), "steps past 8 digits keep working");
        assertTrue(ClusterLayout.parseCheckpoint("/runs/t/step-12").isEmpty(), "not a layout gantry writes");
        assertEquals("s3://b/g/stats/", ClusterLayout.statsRoot("s3://b/g/"));
        assertThrows(IllegalArgumentException.class, () -> ClusterLayout.checkpointUri(experiment, -1));
    }

    @Test
    void onlyCheckpointsUnderTheStoreRootMayBeDeleted() {
        String root = "s3://b/g/";
        assertTrue(ClusterLayout.isCheckpointUnder(root, "s3://b/g/experiments/e/e-t000/step-00000100/"));
        for (String bad : new String[] {"s3://b/", "s3://b/g/", "s3://b/g/experiments/e/", "s3://other/g/experiments/e/t/step-00000100/",
                "s3://b/g/experiments/e/../../step-00000100/", "s3://b/g/experiments/../x/t/step-00000100/",
                "/etc/experiments/e/t/step-00000100/"}) {
            assertTrue(!ClusterLayout.isCheckpointUnder(root, bad), bad);
        }
    }

    @Test
    void namesFromAStoreNeverLeadOutOfTheCache() {
        java.nio.file.Path dir = java.nio.file.Path.of("/cache/stats/key");
        assertEquals(dir.resolve("class-0.npz"), CacheLayout.fileIn(dir, "class-0.npz"));
        for (String bad : new String[] {"../../.ssh/authorized_keys", "..", ".", "", "a/b.npz", "/etc/passwd", "a\\b"}) {
            assertThrows(dev.gantry.failure.BadTaskException.class, () -> CacheLayout.fileIn(dir, bad), bad);
        }
    }

    @Test
    void onlyThePublishedInceptionMakesPlainFid() {
        assertEquals("fid", MetricNames.name("fid", MetricNames.Extractor.INCEPTION_V3.id()));
        assertEquals("intra-fid[fmnist-cnn-v1]", MetricNames.name("intra-fid", "fmnist-cnn-v1"));
        assertEquals("fid[fmnist-cnn-v1]/test/n=200/seed=0", MetricNames.definition("fmnist-cnn-v1", "test", 200, 0));
        assertEquals("fid/train/n=class-counts/seed=3",
                MetricNames.definition(MetricNames.Extractor.INCEPTION_V3.id(), "train", 0, 3));
        assertEquals(Optional.of(MetricNames.Extractor.FMNIST_CNN_V1), MetricNames.Extractor.byId("fmnist-cnn-v1"));
        String ema = MetricNames.definition("fmnist-cnn-v1", "test", 200, 0, GeneratorChoice.EMA);
        assertEquals("fid[fmnist-cnn-v1]/test/n=200/seed=0/generator=ema", ema);
        assertEquals(GeneratorChoice.EMA, MetricNames.generatorOf(ema));
        assertEquals(GeneratorChoice.RAW, MetricNames.generatorOf("fid[fmnist-cnn-v1]/test/n=200/seed=0"));
        assertTrue(MetricNames.followsProtocol(ema, "test", 200, 0, GeneratorChoice.EMA));
        assertFalse(MetricNames.followsProtocol(ema, "test", 200, 0, GeneratorChoice.RAW),
                "a raw experiment's best is never an EMA number, nor the other way round");
        assertFalse(MetricNames.followsProtocol("fid[fmnist-cnn-v1]/test/n=200/seed=0", "test", 200, 0, GeneratorChoice.EMA));
    }

    @Test
    void taskIdsNameTheTrialAndTheSteps() {
        assertEquals("t@100-200", TaskIds.segment("t", 100, 200));
        assertEquals("t@200/eval", TaskIds.scheduledEvaluation("t", 200));
        assertEquals("t@200/eval-request", TaskIds.requestedEvaluation("t", 200));
    }
}
