package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointDirectory;
import dev.gantry.data.LabeledImages;
import dev.gantry.model.ModelTensor;
import dev.gantry.testing.TinyImages;
import dev.gantry.testing.TinySpecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint format is readable without gantry: tools/read_checkpoint.py (NumPy only)
 * verifies the manifest and sees every tensor with the values Java wrote.
 * Needs /usr/bin/python3 with NumPy (scripts/install-deps.sh --numpy).
 */
class NumpyReaderTest {
    @Test
    void numpyReaderSeesEveryTensorWithTheSameValues(@TempDir Path dir) throws Exception {
        LabeledImages data = TinyImages.randomImages(32, 10, 5);
        Map<String, Double> javaSums = new HashMap<>();
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState state = new TrainingState(TinySpecs.spec(), TinySpecs.yaml(""),
                        TinySpecs.spec().model().resolve(1, 10), data.classNames(), manager)) {
            new Trainer(state, data).step();
            CheckpointDirectory.write(dir, state.step(), state.spec().trajectoryHash(), CheckpointCodec.encode(state));
            for (var registry : java.util.List.of(state.model().generatorState(), state.model().discriminatorState())) {
                for (ModelTensor t : registry.all().values()) {
                    double sum = 0;
                    for (float v : t.array().toFloatArray()) {
                        sum += v;
                    }
                    javaSums.put(t.name(), sum);
                }
            }
            state.generatorOptimizer().expAvgSq().forEach((name, array) -> {
                double sum = 0;
                for (float v : array.toFloatArray()) {
                    sum += v;
                }
                javaSums.put(name + ".exp_avg_sq", sum);
            });
        }
        Path script = Path.of(System.getProperty("gantry.repo"), "tools", "read_checkpoint.py");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), "python3 with NumPy is needed (scripts/install-deps.sh --numpy):\n" + output);
        Map<String, Double> numpySums = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 3 && !line.startsWith("step")) {
                numpySums.put(parts[0], Double.parseDouble(parts[2]));
            }
        }
        assertTrue(output.startsWith("step 1 spec "), output);
        for (Map.Entry<String, Double> e : javaSums.entrySet()) {
            Double numpy = numpySums.get(e.getKey());
            assertTrue(numpy != null, "NumPy reader lacks " + e.getKey());
            assertEquals(e.getValue(), numpy, 1e-9 * Math.max(1, Math.abs(e.getValue())), e.getKey());
        }
    }
}
