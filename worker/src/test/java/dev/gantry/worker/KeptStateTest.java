package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.spec.SpecLoader;
import dev.gantry.storage.LocalObjectStore;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.StoreRoots;
import dev.gantry.storage.Stores;
import dev.gantry.testing.TinySpecs;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker continuing the state it just committed, in memory, commits the same bytes as one that
 * reads the checkpoint back; and a start that is not exactly the committed checkpoint never uses
 * the kept state. Real training steps of the tiny model on a small image folder.
 */
class KeptStateTest {
    @TempDir
    static Path shared;

    private static String yaml;

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        Path images = shared.resolve("images");
        Random random = new Random(5);
        for (String cls : List.of("a", "b")) {
            Files.createDirectories(images.resolve(cls));
            for (int i = 0; i < 12; i++) {
                BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int v = random.nextInt(256);
                        img.setRGB(x, y, 0xff000000 | v << 16 | v << 8 | v);
                    }
                }
                ImageIO.write(img, "png", images.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        yaml = TinySpecs.yaml("").replace("steps: 4", "steps: 6")
                .replace("kind: fashion-mnist", "kind: image-folder\n  channels: 1\n  path: " + images);
    }

    @Test
    void continuingInMemoryCommitsTheBytesThatReadingTheCheckpointBackCommits() throws Exception {
        CheckpointRef fromMemory = trainTwoSegments(work.resolve("kept"), 1, true);
        CheckpointRef fromStore = trainTwoSegments(work.resolve("read"), 0, false);
        assertEquals(fromStore.getManifestSha256(), fromMemory.getManifestSha256(),
                "the manifest lists every object's SHA-256: the same hash is the same bytes");
        Map<String, byte[]> a = read(work.resolve("kept"), fromMemory);
        Map<String, byte[]> b = read(work.resolve("read"), fromStore);
        assertEquals(b.keySet(), a.keySet());
        b.forEach((name, bytes) -> assertArrayEquals(bytes, a.get(name), name));
    }

    /**
     * Steps 0 -> 3 -> 6 in one runner. With {@code dropStart}, the step-3 checkpoint's objects are
     * deleted before the second segment: only a state kept in memory can continue then.
     */
    private CheckpointRef trainTwoSegments(Path root, int kept, boolean dropStart) throws Exception {
        String store = Files.createDirectories(root).toString() + "/";
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                SegmentRunner runner = runner(stores, store, kept)) {
            SegmentRunner.Outcome first = runner.run(task(store, 0, 3, null), (s, r) -> { }, () -> false);
            assertFalse(first.alreadyCommitted());
            assertEquals(kept, runner.keptStates(), "the committed state is kept when the worker keeps any");
            if (dropStart) {
                deleteObjects(first.checkpoint());
            }
            SegmentRunner.Outcome second = runner.run(task(store, 3, 6, first.checkpoint()), (s, r) -> { }, () -> false);
            assertFalse(second.alreadyCommitted());
            assertEquals(6, second.checkpoint().getStep());
            return second.checkpoint();
        }
    }

    @Test
    void aWorkerWarmedUpForTheSpecCommitsTheBytesOfOneThatWasNot() throws Exception {
        CheckpointRef warmed = firstSegment(work.resolve("warmed"), true);
        CheckpointRef cold = firstSegment(work.resolve("cold"), false);
        assertEquals(cold.getManifestSha256(), warmed.getManifestSha256(),
                "the throwaway steps leave nothing behind that the trial's own steps would see");
    }

    @Test
    void aWarmUpStopsWhenTheWorkerDoesAndRefusesADataSetOutsideTheRoots() throws Exception {
        String store = Files.createDirectories(work.resolve("store")).toString() + "/";
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                SegmentRunner runner = runner(stores, store, 1)) {
            assertEquals(0, runner.warmUp(SpecLoader.parse(yaml, "test"), yaml, 2, () -> true),
                    "told to stop before its first step: none ran");
        }
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                SegmentRunner onlyTheStore = new SegmentRunner(stores, StoreRoots.of(List.of(store)),
                        shared.resolve("cache"), 1, ai.djl.Device.cpu(), 2)) {
            StoreRoots.OutsideRootsException e = assertThrows(StoreRoots.OutsideRootsException.class,
                    () -> onlyTheStore.warmUp(SpecLoader.parse(yaml, "test"), yaml, 2, () -> false),
                    "every task of this spec would be refused: so is the warm-up, at start");
            assertTrue(e.getMessage().contains("dataset.path"), e.getMessage());
        }
    }

    @Test
    void warmingStorageWritesNothingIntoADirectoryRoot() throws Exception {
        Path root = Files.createDirectories(work.resolve("data-root"));
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                SegmentRunner runner = runner(stores, root + "/", 1)) {
            runner.warmStorage("worker-1");
        }
        try (var left = Files.list(root)) {
            assertEquals(List.of(), left.toList(), "a directory root may be a data set's folder: only read");
        }
    }

    private CheckpointRef firstSegment(Path root, boolean warm) throws Exception {
        String store = Files.createDirectories(root).toString() + "/";
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                SegmentRunner runner = runner(stores, store, 1)) {
            if (warm) {
                assertEquals(2, runner.warmUp(SpecLoader.parse(yaml, "test"), yaml, 2, () -> false));
                assertEquals(0, runner.keptStates(), "a warm-up keeps no state");
            }
            return runner.run(task(store, 0, 3, null), (s, r) -> { }, () -> false).checkpoint();
        }
    }

    @Test
    void aStartWithAnotherManifestHashIsReadFromTheStoreAndTheKeptStateFreed() throws Exception {
        String store = Files.createDirectories(work.resolve("store")).toString() + "/";
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                SegmentRunner runner = runner(stores, store, 1)) {
            CheckpointRef committed = runner.run(task(store, 0, 3, null), (s, r) -> { }, () -> false).checkpoint();
            assertEquals(1, runner.keptStates());
            CheckpointRef other = committed.toBuilder().setManifestSha256("0".repeat(64)).build();
            SegmentRunner.UnusableStartException refused = assertThrows(SegmentRunner.UnusableStartException.class,
                    () -> runner.run(task(store, 3, 6, other), (s, r) -> { }, () -> false),
                    "a start naming another manifest never continues the kept state: the store's answer decides");
            assertTrue(refused.getMessage().contains("not the one committed"), refused.getMessage());
            assertEquals(0, runner.keptStates(), "a miss frees the kept state before loading another");
            // The real checkpoint still continues, read back from the store.
            SegmentRunner.Outcome resumed = runner.run(task(store, 3, 6, committed), (s, r) -> { }, () -> false);
            assertEquals(6, resumed.checkpoint().getStep());
        }
    }

    @Test
    void aRedeliveredTaskWhoseEndIsCommittedIsAnnouncedAndLeavesNothingKept() throws Exception {
        String store = Files.createDirectories(work.resolve("store")).toString() + "/";
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                SegmentRunner runner = runner(stores, store, 1)) {
            CheckpointRef first = runner.run(task(store, 0, 3, null), (s, r) -> { }, () -> false).checkpoint();
            CheckpointRef second = runner.run(task(store, 3, 6, first), (s, r) -> { }, () -> false).checkpoint();
            SegmentRunner.Outcome again = runner.run(task(store, 3, 6, first), (s, r) -> { }, () -> false);
            assertTrue(again.alreadyCommitted());
            assertEquals(second, again.checkpoint());
            assertEquals(0, runner.keptStates(), "the step-6 state was freed when the step-3 start was asked for");
        }
    }

    private static SegmentRunner runner(Stores stores, String store, int kept) {
        return new SegmentRunner(stores, StoreRoots.of(List.of(store, shared.resolve("images").toString())),
                shared.resolve("cache"), kept, ai.djl.Device.cpu(), 2);  // losses read at steps 1, 3 and a segment's last
    }

    private static TrainingTask task(String store, long from, long to, CheckpointRef start) {
        String trial = "kept-e-t000";
        TrainingTask.Builder b = TrainingTask.newBuilder().setTaskId(trial + "@" + from + "-" + to)
                .setTrial(TrialRef.newBuilder().setExperimentId("kept-e").setTrialId(trial)).setFromStep(from)
                .setToStep(to).setTotalSteps(6).setSpecYaml(yaml)
                .setSpecHash(SpecLoader.parse(yaml, "test").trajectoryHash())
                .setCheckpointUriPrefix(ClusterLayout.trialPrefix(store, trial));
        Optional.ofNullable(start).ifPresent(b::setStart);
        return b.build();
    }

    private static void deleteObjects(CheckpointRef ref) {
        LocalObjectStore dir = new LocalObjectStore(Path.of(ref.getUri()));
        dir.list("").stream().filter(k -> !k.equals(Manifest.FILE_NAME)).forEach(dir::delete);
    }

    private static Map<String, byte[]> read(Path root, CheckpointRef ref) {
        return new CheckpointStore(new LocalObjectStore(Path.of(ref.getUri())))
                .read("", new CheckpointStore.Expected(ref.getStep(), "", ref.getManifestSha256()));
    }
}
