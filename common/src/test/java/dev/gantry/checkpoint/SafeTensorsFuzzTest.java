package dev.gantry.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Thousands of mutated safetensors files: the reader either reads them or refuses them with its
 * own {@link CheckpointException}; no raw runtime error, no allocation the file cannot back.
 */
class SafeTensorsFuzzTest {
    static final int TRIES = 3000;

    private static byte[] valid() {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("G.block0.conv.weight", new SafeTensors.Tensor(new long[] {4, 2, 3, 3}, ramp(72)));
        tensors.put("D.embed", new SafeTensors.Tensor(new long[] {10, 4}, ramp(40)));
        return SafeTensors.write(tensors, Map.of("format", "gantry-checkpoint-v1"));
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.25f - 3;
        }
        return v;
    }

    /**
     * A header that parses but lies: non-object JSON, shapes negative, zero or huge, and offsets
     * that agree with the lying shape, so only the size checks stand between the file and an
     * allocation.
     */
    private static byte[] lyingHeader(java.util.SplittableRandom random) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        byte[] b = valid();
        long length = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] data = Arrays.copyOfRange(b, (int) (8 + length), b.length);
        String header;
        if (random.nextInt(5) == 0) {
            header = new String[] {"null", "[]", "1", "\"x\"", "{\"t\": 3}", "{\"t\": {\"dtype\": \"F32\"}}"}[random.nextInt(6)];
        } else {
            com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode)
                    json.readTree(new String(b, 8, (int) length, java.nio.charset.StandardCharsets.UTF_8));
            var tensor = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("D.embed");
            long[] lies = {-1, -7, 0, Integer.MAX_VALUE, 1L << 31, Long.MAX_VALUE / 2, 3};
            long d0 = lies[random.nextInt(lies.length)];
            long d1 = lies[random.nextInt(lies.length)];
            tensor.putArray("shape").add(d0).add(d1);
            long begin = tensor.get("data_offsets").get(0).asLong();
            tensor.putArray("data_offsets").add(begin).add(begin + 4 * d0 * d1);
            header = json.writeValueAsString(root);
        }
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + h.length + data.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(data);
        return out.array();
    }

    @Property(tries = TRIES, seed = "20261201")
    void mutatedFilesAreReadOrRefusedWithACheckpointError(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        byte[] bytes = random.nextInt(3) == 0 ? lyingHeader(random) : Mutations.mutate(valid(), random, edits);
        try {
            SafeTensors.read(bytes, "fuzz.safetensors");
        } catch (CheckpointException expected) {
            // the parser's own error: what a corrupt file must produce
        }
    }

    @Property(tries = 200, seed = "20261201")
    void theUnmutatedFileReadsBack(@ForAll @IntRange(min = 1, max = 50) int n) {
        Map<String, SafeTensors.Tensor> tensors = Map.of("t", new SafeTensors.Tensor(new long[] {n}, ramp(n)));
        assertEquals(true, Arrays.equals(ramp(n), SafeTensors.read(SafeTensors.write(tensors, Map.of()), "x").get("t").values()));
    }
}
