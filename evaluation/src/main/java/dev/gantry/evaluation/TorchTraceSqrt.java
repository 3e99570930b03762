package dev.gantry.evaluation;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Tr((S1 S2)^(1/2)) on libtorch's LAPACK, in float64. When S1 is positive definite, S1 = L L^T
 * (Cholesky) and the eigenvalues of S1 S2 are those of the symmetric L^T S2 L: one Cholesky
 * factorisation and one eigenvalues-only problem. A singular S1 (fewer samples than dimensions)
 * takes {@link FrechetDistance}'s EJML route instead: eigh of S1, then the eigenvalues of
 * B S2 B^T with B = diag(sqrt(w)) V^T. Eigenvalues are rank-clipped at d * eps * max either way.
 *
 * <p>DJL's NDArray API has no eigen solver, but libtorch runs TorchScript. gantry writes the tiny
 * TorchScript archive for this one function itself (its source below, a pickle of an empty
 * module, a version file) and loads it once per JVM, so no Python and no binary file is needed.
 */
final class TorchTraceSqrt implements AutoCloseable {
    private static final String SOURCE = """
            class FrechetTrace(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def forward(self: __torch__.FrechetTrace,
                s1: Tensor,
                s2: Tensor,
                rtol: float) -> Tensor:
                l, info = torch.linalg_cholesky_ex(s1)
                if bool(torch.eq(info, 0)):
                  m1 = torch.matmul(torch.matmul(torch.transpose(l, 0, 1), s2), l)
                  _3 = torch.add(m1, torch.transpose(m1, 0, 1))
                  mu1 = torch.linalg_eigvalsh(torch.mul(_3, 0.5))
                  _4 = torch.mul(torch.max(mu1), rtol)
                  mu2 = torch.where(torch.gt(mu1, _4), mu1, torch.zeros_like(mu1))
                  return torch.sum(torch.sqrt(mu2))
                w, v = torch.linalg_eigh(s1)
                _0 = torch.mul(torch.max(w), rtol)
                w0 = torch.where(torch.gt(w, _0), w, torch.zeros_like(w))
                b = torch.mul(torch.unsqueeze(torch.sqrt(w0), 1), torch.transpose(v, 0, 1))
                m = torch.matmul(torch.matmul(b, s2), torch.transpose(b, 0, 1))
                _1 = torch.add(m, torch.transpose(m, 0, 1))
                m0 = torch.mul(_1, 0.5)
                mu = torch.linalg_eigvalsh(m0)
                _2 = torch.mul(torch.max(mu), rtol)
                mu0 = torch.where(torch.gt(mu, _2), mu, torch.zeros_like(mu))
                return torch.sum(torch.sqrt(mu0))
            """;

    private static TorchTraceSqrt instance;
    private final PtNDManager manager;
    private final PtSymbolBlock module;

    private TorchTraceSqrt(PtNDManager manager, PtSymbolBlock module) {
        this.manager = manager;
        this.module = module;
    }

    static synchronized TorchTraceSqrt get() {
        if (instance == null) {
            PtNDManager manager = (PtNDManager) NDManager.newBaseManager();
            try {
                Path file = Files.createTempFile("gantry-frechet", ".pt");
                try {
                    Files.write(file, archive());
                    instance = new TorchTraceSqrt(manager, JniUtils.loadModule(manager, file, true, new String[0],
                            new String[0], false));
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                manager.close();
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** @param s1 symmetric d x d, row-major; s2 likewise */
    double traceSqrtProduct(double[] s1, double[] s2, int d) {
        try (NDManager scope = manager.newSubManager()) {
            PtNDArray a = (PtNDArray) scope.create(s1, new Shape(d, d));
            PtNDArray b = (PtNDArray) scope.create(s2, new Shape(d, d));
            IValue[] inputs = {IValue.from(a), IValue.from(b), IValue.from(d * Math.ulp(1.0))};
            try (IValue result = module.forward(inputs)) {
                return result.toTensor((PtNDManager) scope).toDoubleArray()[0];
            } finally {
                for (IValue v : inputs) {
                    v.close();
                }
            }
        }
    }

    /** The TorchScript archive: a zip of version, constants, the module's pickle and its code. */
    static byte[] archive() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(zip, "frechet/version", "3\n".getBytes(StandardCharsets.UTF_8));
            entry(zip, "frechet/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            entry(zip, "frechet/data.pkl", modulePickle("FrechetTrace"));
            entry(zip, "frechet/code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
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

    @Override
    public void close() {
        module.close();
        manager.close();
    }
}
