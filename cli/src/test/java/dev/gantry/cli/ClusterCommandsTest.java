package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.config.ExitStatus;
import dev.gantry.data.FashionMnist;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.local.LocalCluster;
import dev.gantry.report.FidPlot;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The researcher's commands against a running local cluster (real broker, coordinator and worker processes). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterCommandsTest {
    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static String bootstrap;
    static final String ID = "cli-test-1";

    static CliRun gantry(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--bootstrap";
        all[args.length + 1] = bootstrap;
        return CliRun.of(all);
    }

    static Path spec(String name, long steps, String experiment) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                name: %s
                dataset: {kind: fashion-mnist}
                model: {imageSize: 32, zDim: 16, generator: {channels: 4}, discriminator: {channels: 4}}
                training: {seed: 5, steps: %d, batchSize: 8}
                experiment:
                %s
                """.formatted(name, steps, experiment.indent(2).stripTrailing()));
        return file;
    }

    @BeforeAll
    static void start() throws Exception {
        FashionFeatureNet.train(FashionMnist.load(null, "train", 32, dir).head(2000),
                FashionMnist.load(null, "test", 32, dir).head(200), 1, 0, dir.resolve("featurenet"), s -> { });
        cluster = LocalCluster.start(new LocalCluster.Options(dir.resolve("cluster"), false, 1, dir.resolve("featurenet"),
                dir.resolve("cache"), 3000, List.of("-Xmx1g")));
        cluster.addTrainWorker();
        cluster.addEvalWorker();
        bootstrap = cluster.kafka().bootstrapServers();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void submitRejectsABadSpecNamingFileLineAndField() throws Exception {
        Path bad = spec("bad", 4, "segmentSteps: 2\nevaluation: {everySteps: 3}\n");
        CliRun r = gantry("submit", bad.toString());
        assertEquals(ExitStatus.BAD_INPUT, r.status());
        assertTrue(r.err().contains("bad.yaml:7: experiment.evaluation.everySteps: 3 is not a multiple of segmentSteps"),
                r.err());
        CliRun missing = gantry("submit", dir.resolve("nope.yaml").toString());
        assertEquals(ExitStatus.BAD_INPUT, missing.status());
        assertTrue(missing.err().contains("nope.yaml: no such file"), missing.err());
        assertTrue(gantry("status", "bad").err().contains("no experiment 'bad'"), "nothing was submitted");
    }

    @Test
    @Order(2)
    void submitWatchStatusResults() throws Exception {
        CliRun submit = gantry("submit", spec("good", 4, """
                seeds: [1, 2]
                segmentSteps: 2
                evaluation: {everySteps: 2, samplesPerClass: 10}
                """).toString(), "--id", ID);
        assertEquals(0, submit.status(), submit.err());
        assertEquals(ID, submit.out().trim());

        CliRun watch = gantry("watch", ID, "--timeout", "PT8M");
        assertEquals(0, watch.status(), watch.out() + watch.err());
        assertTrue(watch.out().contains("done"), watch.out());

        CliRun all = gantry("status");
        assertTrue(all.out().lines().anyMatch(l -> l.startsWith(ID) && l.matches(".*\\s2\\s+2\\s+0\\s+0\\s+0\\s+0$")), all.out());
        CliRun one = gantry("status", ID);
        assertEquals(2, one.out().lines().filter(l -> l.startsWith(ID + "-t00") && l.contains(" done ")
                && l.contains("4/4")).count(), one.out());

        CliRun table = gantry("results", ID);
        assertTrue(table.out().contains("by variant (mean over seeds)"), table.out());
        CliRun csv = gantry("results", ID, "--format", "csv");
        assertTrue(csv.out().startsWith("experiment,trial,label,step,metric,fid,intra_fid,worker\n"), csv.out());
        assertEquals(1 + 4, csv.out().lines().count(), "2 trials x evaluations at steps 2 and 4");

        Path plot = dir.resolve("fid.png");
        CliRun json = gantry("results", ID, "--format", "json", "--plot", plot.toString());
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertEquals("gantry.results/v1", root.get("schema").asText());
        assertEquals("fid[fmnist-cnn-v1]", root.get("metric").asText());
        assertEquals(2, root.get("trials").size());
        JsonNode t0 = root.get("trials").get(0);
        assertEquals("done", t0.get("state").asText());
        assertEquals(List.of(2, 4), List.of(t0.get("evaluations").get(0).get("step").asInt(),
                t0.get("evaluations").get(1).get("step").asInt()));
        assertEquals(10, t0.get("evaluations").get(1).get("perClassFid").size());
        assertTrue(t0.get("best").get("fid").asDouble() > 0);
        assertEquals(1, root.get("variants").size(), "two seeds of one variant");
        BufferedImage png = ImageIO.read(plot.toFile());
        assertEquals(FidPlot.WIDTH, png.getWidth());
        assertEquals(FidPlot.HEIGHT, png.getHeight());
    }

    @Test
    @Order(3)
    void samplesEvalAndReport() throws Exception {
        Path grid = dir.resolve("grid.png");
        CliRun samples = gantry("samples", ID + "-t000", "--out", grid.toString(), "--per-class", "2");
        assertEquals(0, samples.status(), samples.err());
        BufferedImage image = ImageIO.read(grid.toFile());
        assertTrue(image.getWidth() > 64 && image.getHeight() >= 10 * 64, image.getWidth() + "x" + image.getHeight());

        CliRun eval = gantry("eval", ID + "-t000@4", "--samples", "5", "--wait");
        assertEquals(0, eval.status(), eval.err());
        assertTrue(eval.out().contains("fid[fmnist-cnn-v1]") && eval.out().contains("/n=5/"), eval.out());

        Path report = dir.resolve("report");
        CliRun r = gantry("report", ID, "--out", report.toString());
        assertEquals(0, r.status(), r.err());
        String html = Files.readString(report.resolve("index.html"));
        assertTrue(html.contains("<img src=\"fid.png\"") && html.contains(ID + "-t001-step-00000004.png"), html);
        assertTrue(ImageIO.read(report.resolve(ID + "-t001-step-00000004.png").toFile()) != null);
    }

    @Test
    @Order(4)
    void cancelStopsAnExperiment() throws Exception {
        CliRun submit = gantry("submit", spec("long", 100_000, "segmentSteps: 2\nevaluation: {finalStep: false}\n")
                .toString(), "--id", "cli-long");
        assertEquals(0, submit.status(), submit.err());
        CliRun cancel = gantry("cancel", "cli-long", "--reason", "test over");
        assertEquals(0, cancel.status(), cancel.err());
        CliRun watch = gantry("watch", "cli-long", "--timeout", "PT3M");
        assertEquals(0, watch.status(), watch.out());
        CliRun status = gantry("status", "cli-long");
        assertTrue(status.out().contains("cancelled") && status.out().contains("cancelled: test over"), status.out());
    }
}
