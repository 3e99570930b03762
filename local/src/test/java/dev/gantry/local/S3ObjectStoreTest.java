package dev.gantry.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.data.ImageFolder;
import dev.gantry.data.LabeledImages;
import dev.gantry.storage.LocalObjectStore;
import dev.gantry.storage.ObjectStore;
import dev.gantry.storage.S3ObjectStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The same behaviour from both stores: S3 over the real protocol (S3Mock) and a local directory. */
class S3ObjectStoreTest {
    @TempDir
    static Path work;
    static S3MockServer server;
    static S3ObjectStore s3;

    @BeforeAll
    static void startS3() throws Exception {
        server = S3MockServer.start(work);
        s3 = new S3ObjectStore(server.settings(), "gantry-test");
        s3.createBucketIfMissing();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        server.close();
    }

    static List<ObjectStore> stores() {
        return List.of(s3, new LocalObjectStore(work.resolve("local")));
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void putGetListDelete(ObjectStore store) {
        store.put("a/x.bin", bytes("one"));
        store.put("a/y/z.bin", bytes("two"));
        store.put("b.bin", bytes("three"));
        assertArrayEquals(bytes("one"), store.get("a/x.bin").orElseThrow());
        assertEquals(List.of("a/x.bin", "a/y/z.bin"), store.list("a/"));
        assertEquals(Optional.empty(), store.get("a/missing"));
        store.delete("a/x.bin");
        assertEquals(List.of("a/y/z.bin"), store.list("a/"));
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void putIfAbsentLetsTheFirstWriterWin(ObjectStore store) {
        assertTrue(store.putIfAbsent("commit/MARK", bytes("first")));
        assertFalse(store.putIfAbsent("commit/MARK", bytes("second")));
        assertArrayEquals(bytes("first"), store.get("commit/MARK").orElseThrow());
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void checkpointCommitIsIdempotentAndTheFirstCommitsBytesStand(ObjectStore store) {
        CheckpointStore checkpoints = new CheckpointStore(store);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.safetensors", bytes("weights"));
        files.put("state.json", bytes("{}"));
        assertEquals(CheckpointStore.Outcome.COMMITTED, checkpoints.commit("trial-1/step-10/", 10, "h", files));
        assertEquals(CheckpointStore.Outcome.ALREADY_COMMITTED, checkpoints.commit("trial-1/step-10/", 10, "h", files));
        Map<String, byte[]> other = new LinkedHashMap<>(files);
        other.put("model.safetensors", bytes("different"));
        assertEquals(CheckpointStore.Outcome.ALREADY_COMMITTED, checkpoints.commit("trial-1/step-10/", 10, "h", other),
                "another machine's bytes for the same checkpoint: the committed ones stand");
        assertArrayEquals(bytes("weights"), checkpoints.read("trial-1/step-10/").get("model.safetensors"));

        String model = store.list("trial-1/step-10/").stream().filter(k -> k.contains("/model.")).findFirst().orElseThrow();
        store.put(model, bytes("bitrot!"));
        CheckpointException corrupt = assertThrows(CheckpointException.class, () -> checkpoints.read("trial-1/step-10/"));
        assertTrue(corrupt.getMessage().contains("model.safetensors"), corrupt.getMessage());
        store.put("trial-1/step-20/model.safetensors", bytes("uncommitted"));
        assertFalse(checkpoints.exists("trial-1/step-20/"), "objects without a manifest are no checkpoint");
        CheckpointException missing = assertThrows(CheckpointException.class, () -> checkpoints.read("trial-1/step-20/"));
        assertTrue(missing.getMessage().contains("no " + Manifest.FILE_NAME), missing.getMessage());
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void imageFoldersAreReadFromAPrefix(ObjectStore store) throws Exception {
        for (String cls : List.of("shoes", "bags")) {
            for (int i = 0; i < 2; i++) {
                BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
                img.setRGB(0, 0, cls.equals("bags") ? 0xffffff : 0);
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(img, "png", png);
                store.put("datasets/toy/" + cls + "/" + i + ".png", png.toByteArray());
            }
        }
        store.put("datasets/toy/README.txt", bytes("not an image"));
        LabeledImages images = ImageFolder.load(store, "datasets/toy/", 1, 32);
        assertEquals(List.of("bags", "shoes"), images.classNames());
        assertEquals(4, images.count());
        assertArrayEquals(new int[] {0, 0, 1, 1}, images.labels());
    }

    /** The fork copy: server-side CopyObject on S3, hard links in the directory store; the child outlives its parent. */
    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("stores")
    void aForkCopyIsCommittedUnderTheChildsPrefixAndSurvivesTheParent(ObjectStore store) throws Exception {
        dev.gantry.checkpoint.CheckpointForkTest.copiesAndSurvivesTheParent(store, "fork/exp/p/step-00000002/",
                "fork/exp/c/step-00000002/");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
