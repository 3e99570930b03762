package dev.gantry.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module of one class with no parameters, written by gantry itself from the source
 * of its methods (in TorchScript's serialized dialect, indented as the class's body), so that
 * neither Python nor a binary file is needed. Used where DJL's NDArray API lacks an operation, or
 * where one call into libtorch replaces hundreds of calls through DJL.
 */
public final class TorchScriptArchive {
    private static final Map<String, PtSymbolBlock> SHARED = new ConcurrentHashMap<>();

    private TorchScriptArchive() {}

    /**
     * The module of this class, loaded on first use and kept for the JVM's life like libtorch's own
     * kernels; for stateless functions that any thread may call.
     */
    public static PtSymbolBlock shared(String className, String methods) {
        // Keyed by the source too: two callers that picked the same class name still get their own code.
        return SHARED.computeIfAbsent(className + "\n" + methods,
                key -> load((PtNDManager) NDManager.newBaseManager(Device.cpu()), className, methods));
    }

    /**
     * Runs {@code call} with libtorch's graph executor optimizations off on this thread, so that a
     * script runs its operations as written: optimized, the executor may after a few calls replace
     * autograd's backward formulas with its own symbolic ones or fuse element-wise operations, and
     * the results would no longer be the bits of the same operations issued one by one. The
     * setting is per thread and on by default; gantry turns it off nowhere else.
     */
    public static <T> T unoptimized(Supplier<T> call) {
        JniUtils.setGraphExecutorOptimize(false);
        try {
            return call.get();
        } finally {
            JniUtils.setGraphExecutorOptimize(true);
        }
    }

    /** Loads the module class {@code className} with these methods into libtorch. */
    public static PtSymbolBlock load(PtNDManager manager, String className, String methods) {
        try {
            Path file = Files.createTempFile("gantry-" + className, ".pt");
            try {
                Files.write(file, write(className, methods));
                return JniUtils.loadModule(manager, file, true, new String[0], new String[0], false);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The archive: a zip of version, constants, the module's pickle and its code. */
    private static byte[] write(String className, String methods) throws IOException {
        String source = "class " + className + "(Module):\n  __parameters__ = []\n  __buffers__ = []\n"
                + "  training : bool\n" + methods;
        String root = className.toLowerCase(java.util.Locale.ROOT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(zip, root + "/version", "3\n".getBytes(StandardCharsets.UTF_8));
            entry(zip, root + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            entry(zip, root + "/data.pkl", modulePickle(className));
            entry(zip, root + "/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /**
     * pickle (protocol 2) of an empty module object: GLOBAL __torch__.NAME, NEWOBJ with no
     * arguments, then BUILD with the state {"training": True}.
     */
    private static byte[] modulePickle(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);  // PROTO
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));  // GLOBAL
        p.write(')');   // EMPTY_TUPLE
        p.write(0x81);  // NEWOBJ
        p.write('}');   // EMPTY_DICT
        p.write('(');   // MARK
        byte[] key = "training".getBytes(StandardCharsets.UTF_8);
        p.write('X');   // BINUNICODE, 4-byte little-endian length
        p.write(key.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.writeBytes(key);
        p.write(0x88);  // NEWTRUE
        p.write('u');   // SETITEMS
        p.write('b');   // BUILD
        p.write('.');   // STOP
        return p.toByteArray();
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }
}
