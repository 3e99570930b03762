package dev.gantry.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * mapping each name to {dtype, shape, data_offsets}, then the raw little-endian tensor bytes.
 * Readable from Python with {@code safetensors.torch.load_file} or a few lines of NumPy.
 * Only float32 tensors are written; the header is padded with spaces to 8-byte alignment.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    /** A float32 tensor in row-major order. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " holds " + n
                        + " values, got " + values.length);
            }
        }
    }

    private SafeTensors() {}

    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long size = 4L * e.getValue().values().length;
            entry.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            out.asFloatBuffer().put(t.values());
            out.position(out.position() + 4 * t.values().length);
        }
        return out.array();
    }

    /** Reads every tensor, in file order; {@code source} names the file in errors. */
    public static Map<String, Tensor> read(byte[] bytes, String source) {
        try {
            return parse(bytes, source);
        } catch (ArithmeticException | IllegalArgumentException | IndexOutOfBoundsException
                | java.nio.BufferUnderflowException e) {
            // Sizes are checked before use; this is the net under that, so no file can escape as a raw error.
            throw new CheckpointException(source + ": malformed safetensors file (" + e + ")");
        }
    }

    private static Map<String, Tensor> parse(byte[] bytes, String source) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8) {
            throw new CheckpointException(source + ": too short for a safetensors file");
        }
        long headerLength = in.getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
            throw new CheckpointException(source + ": bad safetensors header length " + headerLength);
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(source + ": safetensors header is not JSON: " + e.getMessage());
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(source + ": safetensors header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode entry = e.getValue();
            if (!"F32".equals(entry.path("dtype").asText())) {
                throw new CheckpointException(source + ": tensor " + e.getKey() + " has dtype "
                        + entry.path("dtype").asText() + "; only F32 is supported");
            }
            List<JsonNode> dims = iterable(entry.path("shape"));
            long[] shape = new long[dims.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i).isIntegralNumber() ? dims.get(i).asLong() : -1;
                if (shape[i] < 0) {
                    throw new CheckpointException(source + ": tensor " + e.getKey() + " has a bad shape " + entry.path("shape"));
                }
                count = Math.multiplyExact(count, shape[i]);
            }
            long begin = entry.path("data_offsets").path(0).asLong(-1);
            long end = entry.path("data_offsets").path(1).asLong(-1);
            // Checked before anything is allocated: a shape must match bytes that are really there.
            if (count > Integer.MAX_VALUE / 4 || begin < 0 || end != begin + 4 * count || end > bytes.length - dataStart) {
                throw new CheckpointException(source + ": tensor " + e.getKey() + " has bad data_offsets");
            }
            float[] values = new float[(int) count];
            ByteBuffer slice = ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            slice.asFloatBuffer().get(values);
            tensors.put(e.getKey(), new Tensor(shape, values));
        }
        return tensors;
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
