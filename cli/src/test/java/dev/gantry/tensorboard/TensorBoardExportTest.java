package dev.gantry.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.client.ExperimentRecords;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.ExperimentSettings;
import dev.gantry.proto.v1.TrainingStats;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports a made-up experiment (two polls of a running one, then a restarted export over the same
 * directory) and reads the files back with TensorBoard's own event reader (tools/read_tensorboard.py
 * in the venv of scripts/install-deps.sh --tensorboard): every scalar at every step, and each sample
 * grid, must be there exactly once. Fails, never skips, without that Python.
 */
class TensorBoardExportTest {
    private static final String EXPERIMENT = "exp1";
    private static final String FID = "fid[fmnist-cnn-v1]";
    private static final String DEFINITION = FID + "/test/n=class-counts/seed=0";
    private static final ExperimentSettings SETTINGS = ExperimentSettings.newBuilder().setEvalPolicy(
            EvaluationPolicy.newBuilder().setSplit("test").setSamplesPerClass(0).setEvalSeed(0).setGenerator("raw")).build();

    @TempDir
    Path out;

    @TempDir
    Path scratch;

    // Training values are functions of the step, so a value at the wrong step cannot pass.
    private static double lossG(long step) {
        return 1.0 + step / 1000.0;
    }

    private static double lossD(long step) {
        return 0.5 - step / 2000.0;
    }

    private static double real(long step) {
        return 0.25 + step / 400.0;
    }

    private static double fake(long step) {
        return -0.125 - step / 800.0;
    }

    private static double progressSpeed(long step) {
        return 10 + step / 100.0;
    }

    /** Unlike a progress report's, so which one was kept shows. */
    private static double segmentSpeed(long step) {
        return 7.5 + step / 50.0;
    }

    private static TrialRef trial(int index) {
        return TrialRef.newBuilder().setExperimentId(EXPERIMENT).setTrialId(String.format("%s-t%03d", EXPERIMENT, index)).build();
    }

    private static TrialState state(int index, String label, long... kept) {
        TrialState.Builder b = TrialState.newBuilder().setTrial(trial(index)).setIndex(index).setLabel(label)
                .setPhase(TrialState.Phase.RUNNING).setMetricName(FID).setSettings(SETTINGS);
        for (long k : kept) {
            b.addKept(CheckpointRef.newBuilder().setStep(k).setUri("s3://b/exp1/t" + index + "/step-" + k + "/"));
        }
        return b.build();
    }

    private static TrainingStats stats(long step, double speed) {
        return TrainingStats.newBuilder().setLossG(lossG(step)).setLossD(lossD(step)).setRealScore(real(step))
                .setFakeScore(fake(step)).setStepsPerSecond(speed).build();
    }

    private static WorkerProgress progress(int trial, long step) {
        return WorkerProgress.newBuilder().setWorkerId("w1").setTrial(trial(trial)).setStep(step)
                .setStats(stats(step, progressSpeed(step))).setAtMs(1_700_000_000_000L + step * 1000).build();
    }

    private static CheckpointEvent checkpoint(int trial, long step) {
        return CheckpointEvent.newBuilder().setTrial(trial(trial)).setCheckpoint(CheckpointRef.newBuilder().setStep(step))
                .setStats(stats(step, segmentSpeed(step))).setCommittedAtMs(1_700_000_000_000L + step * 1000 + 5).build();
    }

    /** A redelivered segment that found its checkpoint committed: no stats. */
    private static CheckpointEvent duplicateCheckpoint(int trial, long step) {
        return CheckpointEvent.newBuilder().setTrial(trial(trial)).setCheckpoint(CheckpointRef.newBuilder().setStep(step))
                .setAlreadyCommitted(true).build();
    }

    private static EvaluationResult result(int trial, long step, double fid, double intra, Map<String, Double> metrics,
            Map<String, Double> perClassFid, Map<String, Double> perClassKid) {
        return result(DEFINITION, trial, step, fid, intra, metrics, perClassFid, perClassKid);
    }

    private static EvaluationResult result(String definition, int trial, long step, double fid, double intra,
            Map<String, Double> metrics, Map<String, Double> perClassFid, Map<String, Double> perClassKid) {
        return EvaluationResult.newBuilder().setTrial(trial(trial)).setStep(step).setMetricDefinition(definition)
                .setFid(fid).setIntraFid(intra).putAllMetrics(metrics).putAllPerClassFid(perClassFid)
                .putAllPerClassKid(perClassKid).setComputedAtMs(1_700_000_500_000L + step).build();
    }

    private static final EvaluationResult T0_AT_100 = result(0, 100, 41.5, 60.25,
            Map.of("kid", 0.0312, "kid_std", 0.0021, "precision", 0.61, "recall", 0.42),
            Map.of("T-shirt/top", 55.5, "Bag", 65.0), Map.of("T-shirt/top", 0.04, "Bag", 0.05));
    private static final EvaluationResult T0_AT_200 = result(0, 200, 30.75, 48.5,
            Map.of("kid", 0.0211, "kid_std", 0.0017, "precision", 0.66, "recall", 0.5),
            Map.of("T-shirt/top", 44.0, "Bag", 53.0), Map.of("T-shirt/top", 0.03, "Bag", 0.012));
    /** A user's extra evaluation (gantry eval TRIAL@200 --samples 5): another protocol, not comparable. */
    private static final EvaluationResult T0_EXTRA_AT_200 = result(FID + "/test/n=5/seed=0", 0, 200, 70.0, 80.0, Map.of(),
            Map.of("Bag", 90.0), Map.of());
    private static final EvaluationResult T1_AT_200 = result(1, 200, 35.0, 50.0, Map.of(), Map.of(), Map.of());

    /** Sample grids of every checkpoint but trial 1's step 200, which retention deleted; sized by step. */
    private final List<String> asked = new ArrayList<>();
    private final SampleImages grids = (t, k) -> {
        asked.add(TensorBoardExport.runName(t) + "@" + k.getStep());
        if (t.getIndex() == 1 && k.getStep() == 200) {
            return Optional.empty();
        }
        return Optional.of(png(10 + (int) k.getStep() / 100, 6));
    };

    @Test
    void runDirectoriesFromForgedIdsStayInsideOut() {
        for (String[] idAndLabel : new String[][] {{"e-..", ""}, {"e-.", ""}, {"..", ""}, {"e-t000", "../../x"}, {"e-", ""}}) {
            TrialState t = TrialState.newBuilder().setTrial(TrialRef.newBuilder().setExperimentId("e")
                    .setTrialId(idAndLabel[0])).setLabel(idAndLabel[1]).build();
            String name = TensorBoardExport.runName(t);
            Path out = Path.of("/tmp/tb-out");
            assertEquals(out, out.resolve(name).normalize().getParent(), idAndLabel[0] + " " + idAndLabel[1] + " -> " + name);
        }
    }

    @Test
    void tensorBoardReadsBackEveryScalarAtItsStepAndEveryGrid() throws Exception {
        // first poll: trial 2's state is not read yet, its progress waits for it
        ExperimentRecords first = new ExperimentRecords(
                List.of(progress(0, 40), progress(0, 80), progress(0, 100), progress(1, 50), progress(1, 100),
                        progress(2, 30)),
                List.of(checkpoint(0, 100), checkpoint(1, 100)),
                List.of(T0_AT_100));
        // second poll; trial 1's later progress reports have expired: its step 200 is known from its checkpoint
        ExperimentRecords second = new ExperimentRecords(
                List.of(progress(0, 140), progress(0, 180), progress(0, 200), progress(2, 60)),
                List.of(checkpoint(0, 200), duplicateCheckpoint(0, 200), checkpoint(1, 200)),
                List.of(T0_AT_200, T0_EXTRA_AT_200, T1_AT_200));
        List<TrialState> firstStates = List.of(state(0, "sn-g-d,seed=0", 100), state(1, "base/x y", 100));
        List<TrialState> secondStates = List.of(state(0, "sn-g-d,seed=0", 100, 200), state(1, "base/x y", 100, 200),
                state(2, ""));
        try (TensorBoardExport export = new TensorBoardExport(out, grids)) {
            assertEquals(2, export.checkpointsToRender(firstStates));
            TensorBoardExport.Written w1 = export.write(firstStates, first);
            assertEquals(new TensorBoardExport.Written(5 * 5 + 10, 2), w1,
                    "t0: 40, 80, 100 and t1: 50, 100 (5 training scalars each); t0's evaluation at 100 (10 values); grids of t0, t1 @100");
            assertEquals(2, export.checkpointsToRender(secondStates), "t0@200 and t1@200");
            TensorBoardExport.Written w2 = export.write(secondStates, second);
            assertEquals(new TensorBoardExport.Written(6 * 5 + 10 + 3 + 2, 1), w2,
                    "t0: 140, 180, 200, t1: 200, t2: 30, 60; evaluations of t0 (and its extra one) and t1 at 200;"
                            + " t1@200 is deleted");
        }
        assertEquals(List.of("t000_sn-g-d,seed=0@100", "t001_base_x_y@100", "t000_sn-g-d,seed=0@200", "t001_base_x_y@200"),
                asked);
        int files = eventFiles().size();

        // a restarted export (--follow stopped and run again) reads everything again and adds nothing
        asked.clear();
        try (TensorBoardExport again = new TensorBoardExport(out, grids)) {
            assertEquals(new TensorBoardExport.Written(0, 0), again.write(secondStates, concat(first, second)));
        }
        assertEquals(List.of("t001_base_x_y@200"), asked, "only the grid that is not there is looked for again");
        assertEquals(files, eventFiles().size(), "no file for nothing new");

        JsonNode runs = readWithTensorBoard();
        assertEquals(Set.of("t000_sn-g-d,seed=0", "t001_base_x_y", "t002"), fieldNames(runs));
        assertTraining(runs.get("t000_sn-g-d,seed=0"), List.of(40L, 80L, 100L, 140L, 180L, 200L), Set.of(100L, 200L));
        assertTraining(runs.get("t001_base_x_y"), List.of(50L, 100L, 200L), Set.of(100L, 200L));
        assertTraining(runs.get("t002"), List.of(30L, 60L), Set.of());

        JsonNode t0 = runs.get("t000_sn-g-d,seed=0").get("scalars");
        assertSeries(t0, "eval/" + FID, Map.of(100L, 41.5, 200L, 30.75));
        assertSeries(t0, "eval/intra_" + FID, Map.of(100L, 60.25, 200L, 48.5));
        assertSeries(t0, "eval/kid[fmnist-cnn-v1]", Map.of(100L, 0.0312, 200L, 0.0211));
        assertSeries(t0, "eval/kid_std[fmnist-cnn-v1]", Map.of(100L, 0.0021, 200L, 0.0017));
        assertSeries(t0, "eval/precision[fmnist-cnn-v1]", Map.of(100L, 0.61, 200L, 0.66));
        assertSeries(t0, "eval/recall[fmnist-cnn-v1]", Map.of(100L, 0.42, 200L, 0.5));
        assertSeries(t0, "per_class/" + FID + "/T-shirt/top", Map.of(100L, 55.5, 200L, 44.0));
        assertSeries(t0, "per_class/" + FID + "/Bag", Map.of(100L, 65.0, 200L, 53.0));
        assertSeries(t0, "per_class/kid[fmnist-cnn-v1]/T-shirt/top", Map.of(100L, 0.04, 200L, 0.03));
        assertSeries(t0, "per_class/kid[fmnist-cnn-v1]/Bag", Map.of(100L, 0.05, 200L, 0.012));
        String extra = "extra_eval/test/n=5/seed=0/";
        assertSeries(t0, extra + FID, Map.of(200L, 70.0));
        assertSeries(t0, extra + "intra_" + FID, Map.of(200L, 80.0));
        assertSeries(t0, extra + "per_class/" + FID + "/Bag", Map.of(200L, 90.0));
        assertEquals(5 + 10 + 3, t0.size(), "training and evaluation tags, no others: " + fieldNames(t0));
        JsonNode t1 = runs.get("t001_base_x_y").get("scalars");
        assertSeries(t1, "eval/" + FID, Map.of(200L, 35.0));
        assertSeries(t1, "eval/intra_" + FID, Map.of(200L, 50.0));
        assertEquals(5 + 2, t1.size(), fieldNames(t1).toString());
        assertEquals(5, runs.get("t002").get("scalars").size());

        assertImages(runs.get("t000_sn-g-d,seed=0"), List.of(100L, 200L));
        assertImages(runs.get("t001_base_x_y"), List.of(100L));
        assertImages(runs.get("t002"), List.of());
    }

    /** Losses, D outputs and speed at exactly these steps; speed of a committed segment where one ends there. */
    private static void assertTraining(JsonNode run, List<Long> steps, Set<Long> segmentEnds) {
        JsonNode scalars = run.get("scalars");
        Map<Long, Double> g = new TreeMap<>();
        Map<Long, Double> d = new TreeMap<>();
        Map<Long, Double> r = new TreeMap<>();
        Map<Long, Double> f = new TreeMap<>();
        Map<Long, Double> speed = new TreeMap<>();
        for (long s : steps) {
            g.put(s, lossG(s));
            d.put(s, lossD(s));
            r.put(s, real(s));
            f.put(s, fake(s));
            speed.put(s, segmentEnds.contains(s) ? segmentSpeed(s) : progressSpeed(s));
        }
        assertSeries(scalars, "loss/G", g);
        assertSeries(scalars, "loss/D", d);
        assertSeries(scalars, "D/real", r);
        assertSeries(scalars, "D/fake", f);
        assertSeries(scalars, "speed/steps_per_second", speed);
    }

    /** The tag's [step, value] pairs, in step order, each once; values as the float32 an event holds. */
    private static void assertSeries(JsonNode scalars, String tag, Map<Long, Double> expected) {
        JsonNode series = scalars.get(tag);
        assertTrue(series != null, "no scalar " + tag + " among " + fieldNames(scalars));
        List<List<Object>> actual = new ArrayList<>();
        series.forEach(p -> actual.add(List.of(p.get(0).asLong(), p.get(1).asDouble())));
        List<List<Object>> want = new ArrayList<>();
        new TreeMap<>(expected).forEach((step, v) -> want.add(List.of(step, (double) (float) (double) v)));
        assertEquals(want, actual, tag);
    }

    private static void assertImages(JsonNode run, List<Long> steps) {
        JsonNode images = run.get("images");
        if (steps.isEmpty()) {
            assertEquals(0, images.size(), images.toString());
            return;
        }
        assertEquals(Set.of(TensorBoardExport.SAMPLES), fieldNames(images));
        List<List<Long>> actual = new ArrayList<>();
        images.get(TensorBoardExport.SAMPLES).forEach(i -> actual.add(List.of(i.get(0).asLong(), i.get(1).asLong(),
                i.get(2).asLong(), i.get(3).asLong(), i.get(4).asLong())));
        List<List<Long>> want = new ArrayList<>();
        for (long s : steps) {
            long width = 10 + s / 100;
            want.add(List.of(s, width, 6L, width, 6L));  // step, stored width and height, decoded PNG's size
        }
        assertEquals(want, actual);
    }

    private JsonNode readWithTensorBoard() throws Exception {
        String venv = System.getProperty("gantry.py.venv");
        assertTrue(venv != null, "system property gantry.py.venv is not set (the surefire configuration sets it)");
        Path python = Path.of(venv, "bin", "python");
        assertTrue(Files.isExecutable(python), python + " is missing: run scripts/install-deps.sh --tensorboard"
                + " (GANTRY_PY_VENV and -Dgantry.py.venv choose another place)");
        Path script = Path.of(System.getProperty("gantry.repo"), "tools", "read_tensorboard.py");
        Path stderr = scratch.resolve("stderr.txt");
        Process p = new ProcessBuilder(python.toString(), script.toString(), out.toString())
                .redirectError(stderr.toFile()).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0,
                "tools/read_tensorboard.py failed:\n" + Files.readString(stderr));
        return new ObjectMapper().readTree(stdout);
    }

    private List<Path> eventFiles() throws IOException {
        try (Stream<Path> s = Files.walk(out)) {
            return s.filter(f -> f.getFileName().toString().contains("tfevents")).toList();
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> i = node.fieldNames(); i.hasNext(); ) {
            names.add(i.next());
        }
        return names;
    }

    private static ExperimentRecords concat(ExperimentRecords a, ExperimentRecords b) {
        return new ExperimentRecords(Stream.concat(a.progress().stream(), b.progress().stream()).toList(),
                Stream.concat(a.checkpoints().stream(), b.checkpoints().stream()).toList(),
                Stream.concat(a.results().stream(), b.results().stream()).toList());
    }

    private static SampleImages.Png png(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xff0000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SampleImages.Png(bytes.toByteArray(), width, height);
    }
}
