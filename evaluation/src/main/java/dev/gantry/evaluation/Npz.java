package dev.gantry.evaluation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's .npz (a zip of .npy arrays), enough for pytorch-fid-compatible statistics: reads
 * little-endian float64/float32 arrays of any shape in C order, writes float64.
 */
public final class Npz {
    /** An array as read: its shape and values widened to double. */
    public record Array(long[] shape, double[] values) {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    /** The largest array one .npz entry may hold (50,000 x 2,048 float64 features is 819 MB). */
    public static final int MAX_ARRAY_BYTES = 1 << 30;
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npz() {}

    public static Map<String, Array> read(Path file) {
        Map<String, Array> arrays = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName().endsWith(".npy")
                        ? entry.getName().substring(0, entry.getName().length() - 4) : entry.getName();
                // Read at most the limit: a small zip must not inflate into gigabytes (a zip bomb).
                byte[] bytes = zip.readNBytes(MAX_ARRAY_BYTES + 1);
                if (bytes.length > MAX_ARRAY_BYTES) {
                    throw new StatisticsException(file + ":" + entry.getName() + ": larger than " + MAX_ARRAY_BYTES
                            + " bytes; refusing to read it");
                }
                arrays.put(name, readNpy(bytes, file + ":" + entry.getName()));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new StatisticsException(file + ": not a readable .npz file (" + e.getMessage() + ")", e);
        }
        if (arrays.isEmpty()) {
            throw new StatisticsException(file + ": not a .npz file (no arrays in it)");
        }
        return arrays;
    }

    /** One .npy array (float64, float32 or uint8), as doubles. */
    public static Array readNpy(Path file) {
        try {
            return readNpy(java.nio.file.Files.readAllBytes(file), file.toString());
        } catch (java.io.IOException e) {
            throw new StatisticsException(file + ": cannot read: " + e.getMessage());
        }
    }

    static Array readNpy(byte[] bytes, String source) {
        try {
            return parseNpy(bytes, source);
        } catch (ArithmeticException | IllegalArgumentException | IndexOutOfBoundsException
                | java.nio.BufferUnderflowException e) {
            // Sizes are checked before use; this is the net under that, so no file can escape as a raw error.
            throw new StatisticsException(source + ": malformed .npy array (" + e + ")");
        }
    }

    private static Array parseNpy(byte[] bytes, String source) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (byte b : MAGIC) {
            if (in.remaining() == 0 || in.get() != b) {
                throw new StatisticsException(source + ": not a .npy array");
            }
        }
        if (in.remaining() < 4) {
            throw new StatisticsException(source + ": truncated .npy header");
        }
        int major = in.get();
        in.get();
        if (major < 1 || major > 3 || (major > 1 && in.remaining() < 4)) {
            throw new StatisticsException(source + ": .npy format version " + major + " is not supported");
        }
        int headerLength = major == 1 ? Short.toUnsignedInt(in.getShort()) : in.getInt();
        if (headerLength < 0 || headerLength > in.remaining()) {
            throw new StatisticsException(source + ": .npy header length " + headerLength + " exceeds the file");
        }
        String header = new String(bytes, in.position(), headerLength, StandardCharsets.ISO_8859_1);
        in.position(in.position() + headerLength);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeMatch = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeMatch.find()) {
            throw new StatisticsException(source + ": unreadable .npy header " + header.trim());
        }
        if (fortran.group(1).equals("True")) {
            throw new StatisticsException(source + ": Fortran-ordered arrays are not supported");
        }
        String[] dims = shapeMatch.group(1).split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new StatisticsException(source + ": negative dimension in shape " + shapeMatch.group(1));
            }
            count = Math.multiplyExact(count, d);
        }
        int itemSize = switch (descr.group(1)) {
            case "<f8" -> 8;
            case "<f4" -> 4;
            case "|u1" -> 1;
            case "<i8" -> 8;
            default -> throw new StatisticsException(source + ": dtype " + descr.group(1)
                    + " is not supported (float64, float32 or int64 little-endian, or uint8)");
        };
        // Checked before anything is allocated: a 100-byte file cannot ask for 16 GB.
        if (count > Integer.MAX_VALUE - 8 || Math.multiplyExact(count, itemSize) > in.remaining()) {
            throw new StatisticsException(source + ": shape " + java.util.Arrays.toString(shape) + " needs "
                    + Math.multiplyExact(count, itemSize) + " bytes, the file holds " + in.remaining());
        }
        double[] values = new double[(int) count];
        switch (descr.group(1)) {
            case "<f8" -> in.asDoubleBuffer().get(values);
            case "<f4" -> {
                float[] f = new float[values.length];
                in.asFloatBuffer().get(f);
                for (int i = 0; i < f.length; i++) {
                    values[i] = f[i];
                }
            }
            case "|u1" -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Byte.toUnsignedInt(in.get());
                }
            }
            case "<i8" -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = in.getLong();  // labels and counts: exact below 2^53
                }
            }
            default -> throw new StatisticsException(source + ": dtype " + descr.group(1)
                    + " is not supported (float64, float32 little-endian, or uint8)");
        }
        return new Array(shape, values);
    }

    public static void write(Path file, Map<String, Array> arrays) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, Array> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(npy(e.getValue()));
                zip.closeEntry();
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** One float64 .npy array (features for 'gantry metrics', fixtures for tests). */
    public static void writeNpy(Path file, Array array) throws IOException {
        Files.write(file, npy(array));
    }

    static byte[] npy(Array array) {
        ByteBuffer data = ByteBuffer.allocate(8 * array.values().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asDoubleBuffer().put(array.values());
        return npy("<f8", array.shape(), data.array());
    }

    /**
     * A version 1.0 .npy file: magic, header dict padded to 64 bytes, then {@code data}, which must
     * already be little-endian values of {@code descr} ("<f8", "<f4", "<i8").
     */
    public static byte[] npy(String descr, long[] shape, byte[] data) {
        StringBuilder dims = new StringBuilder("(");
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        if (shape.length > 1) {
            dims.setLength(dims.length() - 2);
        } else if (shape.length == 1) {
            dims.setLength(dims.length() - 1);
        }
        dims.append(")");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write((header.length() >> 8) & 0xff);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** Reads pytorch-fid statistics: arrays "mu" (d) and "sigma" (d x d). */
    public static GaussianStats readStats(Path file) {
        Map<String, Array> arrays = read(file);
        Array mu = arrays.get("mu");
        Array sigma = arrays.get("sigma");
        if (mu == null || sigma == null) {
            throw new StatisticsException(file + ": needs arrays 'mu' and 'sigma' (pytorch-fid format); has "
                    + arrays.keySet());
        }
        if (mu.shape().length != 1 || sigma.shape().length != 2 || sigma.shape()[0] != mu.shape()[0]
                || sigma.shape()[1] != mu.shape()[0]) {
            throw new StatisticsException(file + ": mu has shape " + java.util.Arrays.toString(mu.shape())
                    + " and sigma " + java.util.Arrays.toString(sigma.shape()) + "; expected (d) and (d, d)");
        }
        return new GaussianStats(mu.values(), sigma.values(), 0);
    }

    public static void writeStats(Path file, GaussianStats stats) throws IOException {
        Map<String, Array> arrays = new LinkedHashMap<>();
        arrays.put("mu", new Array(new long[] {stats.dim()}, stats.mu()));
        arrays.put("sigma", new Array(new long[] {stats.dim(), stats.dim()}, stats.sigma()));
        write(file, arrays);
    }

}
