package dev.gantry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.coordinator.TrialScheduler;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.storage.Stores;
import dev.gantry.testing.TinySpecs;
import dev.gantry.testing.cluster.Awaits;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.LineageReplay;
import dev.gantry.training.StateHash;
import dev.gantry.training.TrainingState;
import dev.gantry.transport.Lineages;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'gantry fork' through Kafka: a real broker, the coordinator and a training worker in their own
 * processes. The fork command (sent twice, and again after a coordinator restart) makes one child,
 * which trains to its end; replaying its lineage in this JVM gives the state-sha256 of the
 * cluster's final checkpoint (worker and test at the same thread count).
 */
class ForkClusterTest {
    @TempDir
    Path dir;

    @Test
    void aForkCommandMakesOneChildWhoseLineageReplaysToTheClustersFinalState() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(dir.resolve("cluster"), false,
                Integer.getInteger("ai.djl.pytorch.num_threads", 2), dir.resolve("featurenet"), dir.resolve("cache"),
                3000, List.of("-Xmx1g")));
                ClusterView view = new ClusterView(cluster.kafka());
                ExperimentClient client = new ExperimentClient(cluster.kafka());
                Stores stores = new Stores(cluster.s3().orElse(dev.gantry.storage.S3Settings.fromEnvironment()))) {
            cluster.addTrainWorker();
            Path images = imageFolder(Path.of(cluster.storeRoot()).resolve("data/toy"));
            String yaml = TinySpecs.yaml("").replace("kind: fashion-mnist", "kind: image-folder\n  channels: 1\n  path: "
                    + images) + "experiment:\n  segmentSteps: 2\n  retention: {keepLatest: 2}\n"
                    + "  evaluation: {everySteps: 0, finalStep: false}\n";
            Awaits await = new Awaits(new LocalClusterUnderTest(cluster), view, Duration.ofMinutes(5));
            String experiment = client.submit(yaml, "fork.yaml", "fork-1");
            String parent = TrialScheduler.trialId(experiment, 0);
            await.trial(parent, t -> t.getPhase() == TrialState.Phase.DONE);

            ForkTrial fork = ForkTrial.newBuilder().setForkId("lr").setParentTrialId(parent).setStep(2)
                    .putOverrides("training.lrG", "5e-4").putOverrides("training.beta2", "0.99").setTotalSteps(6).build();
            String child = client.fork(experiment, fork);
            client.fork(experiment, fork);  // a duplicated command
            TrialState done = await.trial(child, t -> t.getPhase() == TrialState.Phase.DONE);
            assertEquals(6, done.getStep());

            cluster.kill("coordinator");
            cluster.startCoordinator();
            client.fork(experiment, fork);  // and once more, to a rebuilt coordinator
            // A marker behind it on the same partition (same experiment key): once it exists, the repeat was handled.
            String marker = client.fork(experiment, fork.toBuilder().setForkId("marker").setStep(4).build());
            await.trial(marker, t -> true);
            assertEquals(List.of(parent, child, marker), view.catchUp().experiment(experiment).stream()
                    .map(t -> t.getTrial().getTrialId()).toList(), "one child, however often the command came");
            assertEquals(done.getLatest(), view.trial(child).orElseThrow().getLatest(), "and it was not redone");

            Lineage lineage = Lineages.of(done);
            assertEquals(List.of(parent, child), lineage.links().stream().map(Lineage.Link::trialId).toList());
            ExperimentSpec spec = lineage.spec();
            LabeledImages data = Datasets.open(spec.dataset(), spec.model().imageSize(), dir.resolve("downloads"));
            Stores.Location last = stores.locate(done.getLatest().getUri());
            try (NDManager manager = NDManager.newBaseManager();
                    TrainingState cluster6 = CheckpointCodec.decode(new CheckpointStore(last.store()).read(last.keyPrefix()),
                            manager, done.getLatest().getUri());
                    TrainingState replayed = LineageReplay.replay(lineage, 6, data, manager, (l, s) -> { })) {
                assertEquals(StateHash.of(cluster6), StateHash.of(replayed), "replay == the cluster's final checkpoint");
                assertTrue(cluster6.lineage().isPresent(), "the final checkpoint's state.json carries the lineage");
            }
        }
    }

    private static Path imageFolder(Path root) throws Exception {
        Random random = new Random(5);
        for (String cls : List.of("a", "b")) {
            Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < 12; i++) {
                BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < 32 * 32; p++) {
                    int v = random.nextInt(256);
                    img.setRGB(p % 32, p / 32, 0xff000000 | v << 16 | v << 8 | v);
                }
                ImageIO.write(img, "png", root.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        return root;
    }
}
