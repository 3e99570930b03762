package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointDirectory;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.checkpoint.SafeTensors;
import dev.gantry.data.LabeledImages;
import dev.gantry.testing.TinyImages;
import dev.gantry.testing.TinySpecs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @Test
    void roundTripRestoresTheExactStateAndTrainingContinuesIdentically(@TempDir Path dir) {
        LabeledImages data = TinyImages.randomImages(64, 10, 3);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState original = fresh(manager, data)) {
            Trainer trainer = new Trainer(original, data);
            trainer.step();
            trainer.step();
            String hashAt2 = StateHash.of(original);
            CheckpointDirectory.write(dir.resolve("ckpt"), original.step(), original.spec().trajectoryHash(),
                    CheckpointCodec.encode(original));
            try (TrainingState restored = CheckpointCodec.decode(CheckpointDirectory.read(dir.resolve("ckpt")), manager,
                    "ckpt")) {
                assertEquals(hashAt2, StateHash.of(restored));
                assertEquals(2, restored.step());
                assertEquals(2, restored.discriminatorOptimizer().stepCount());
                trainer.step();
                new Trainer(restored, data).step();
                assertEquals(StateHash.of(original), StateHash.of(restored), "step 3 from memory and from disk");
            }
        }
    }

    @Test
    void corruptionAndMissingManifestAreReportedByFile(@TempDir Path dir) throws IOException {
        LabeledImages data = TinyImages.randomImages(16, 10, 3);
        try (NDManager manager = NDManager.newBaseManager(); TrainingState state = fresh(manager, data)) {
            Path ckpt = dir.resolve("c");
            CheckpointDirectory.write(ckpt, 0, "h", CheckpointCodec.encode(state));
            CheckpointException twice = assertThrows(CheckpointException.class,
                    () -> CheckpointDirectory.write(ckpt, 0, "h", CheckpointCodec.encode(state)));
            assertTrue(twice.getMessage().contains("already holds a committed checkpoint"));
            byte[] model = Files.readAllBytes(ckpt.resolve(CheckpointCodec.MODEL));
            model[model.length - 1] ^= 1;
            Files.write(ckpt.resolve(CheckpointCodec.MODEL), model);
            CheckpointException corrupt = assertThrows(CheckpointException.class, () -> CheckpointDirectory.read(ckpt));
            assertTrue(corrupt.getMessage().contains("model.safetensors is corrupt"), corrupt.getMessage());
            Files.delete(ckpt.resolve(Manifest.FILE_NAME));
            CheckpointException uncommitted = assertThrows(CheckpointException.class, () -> CheckpointDirectory.read(ckpt));
            assertTrue(uncommitted.getMessage().contains("no MANIFEST.json"), uncommitted.getMessage());
        }
    }

    @Test
    void safetensorsRoundTripAndHeaderLayout() {
        Map<String, SafeTensors.Tensor> tensors = new java.util.LinkedHashMap<>();
        tensors.put("a", new SafeTensors.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        tensors.put("b.c", new SafeTensors.Tensor(new long[] {1}, new float[] {-0.5f}));
        byte[] bytes = SafeTensors.write(tensors, Map.of("format", "x"));
        long headerLength = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        assertEquals(8 + headerLength + 4 * 7, bytes.length);
        Map<String, SafeTensors.Tensor> back = SafeTensors.read(bytes, "t");
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, back.get("a").values());
        assertArrayEquals(new long[] {2, 3}, back.get("a").shape());
        assertArrayEquals(new float[] {-0.5f}, back.get("b.c").values());
        assertThrows(CheckpointException.class, () -> SafeTensors.read(new byte[] {1, 2, 3}, "short"));
    }

    private static TrainingState fresh(NDManager manager, LabeledImages data) {
        var spec = TinySpecs.spec();
        return new TrainingState(spec, TinySpecs.yaml(""), spec.model().resolve(1, 10), data.classNames(), manager);
    }
}
