package dev.gantry.evaluation;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import dev.gantry.runtime.TorchScriptArchive;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tr((S1 S2)^(1/2)) on libtorch's LAPACK, in float64. When S1 is positive definite, S1 = L L^T
 * (Cholesky) and the eigenvalues of S1 S2 are those of the symmetric L^T S2 L: one Cholesky
 * factorisation and one eigenvalues-only problem. When S1 is singular (fewer samples than
 * dimensions) S2 takes its place if it is positive definite; when both are singular, the route of
 * {@link FrechetDistance}'s EJML code: eigh of S1, then the eigenvalues of B S2 B^T with
 * B = diag(sqrt(w)) V^T. Eigenvalues are rank-clipped at d * eps * max either way.
 *
 * <p>At d = 2048 the eigenvalues take about 280 ms of MKL time and everything else is overhead, so
 * the Cholesky route works in column blocks, in place, on buffers gantry owns:
 * <ul>
 *   <li>the Cholesky factor overwrites S1's lower triangle, blocked (potrf on diagonal blocks, trsm
 *       panels, gemm updates of the lower blocks only). torch.linalg.cholesky would zero the upper
 *       triangle of its column-major result row by row, a strided pass that costs more than the
 *       factorisation itself;</li>
 *   <li>L^T S2 L skips L's zero upper triangle and forms only its lower triangle, all that eigvalsh
 *       reads: about a quarter of the multiply-adds of two dense products (LAPACK's sygst, which
 *       libtorch does not export). Column block J of the result is written over S2's column block
 *       J, which no later block reads.</li>
 * </ul>
 *
 * <p>DJL's NDArray API has no eigen solver, but libtorch runs TorchScript. gantry writes the tiny
 * TorchScript archive for this one function itself (its source below, a pickle of an empty
 * module, a version file: {@link TorchScriptArchive}) and loads it once per JVM.
 */
final class TorchTraceSqrt implements AutoCloseable {
    /** Column-block width (measured at d = 2048: 128 to 384 equally fast). */
    static final int BLOCK = 256;
    private static final long CHOLESKY_ROUTE = 0;
    private static final long EIGH_ROUTE = 1;
    /** What the Cholesky route returns when a diagonal block does not factor (a trace is never negative). */
    private static final double NOT_POSITIVE_DEFINITE = -1;

    private static final String SOURCE = """
              def forward(self: __torch__.FrechetTrace,
                s1: Tensor,
                s2: Tensor,
                rtol: float,
                block: int,
                route: int) -> Tensor:
                n = torch.size(s1, 0)
                if torch.eq(route, 0):
                  for k0 in range(0, n, block):
                    k1 = min(torch.add(k0, block), n)
                    dkk = torch.slice(torch.slice(s1, 0, k0, k1), 1, k0, k1)
                    lkk, info = torch.linalg_cholesky_ex(dkk)
                    if bool(torch.ne(info, 0)):
                      return torch.full([1], -1., dtype=7)
                    _0 = torch.copy_(dkk, lkk)
                    if torch.lt(k1, n):
                      panel = torch.slice(torch.slice(s1, 0, k1, n), 1, k0, k1)
                      lp = torch.linalg_solve_triangular(torch.transpose(lkk, 0, 1), panel, upper=True, left=False)
                      _1 = torch.copy_(panel, lp)
                      for c0 in range(k1, n, block):
                        c1 = min(torch.add(c0, block), n)
                        below = torch.slice(torch.slice(s1, 0, c0, n), 1, c0, c1)
                        rows = torch.slice(lp, 0, torch.sub(c0, k1), torch.sub(n, k1))
                        cols = torch.slice(lp, 0, torch.sub(c0, k1), torch.sub(c1, k1))
                        _2 = torch.addmm_(below, rows, torch.transpose(cols, 0, 1), beta=1, alpha=-1)
                  for j0 in range(0, n, block):
                    j1 = min(torch.add(j0, block), n)
                    lj = torch.slice(torch.slice(s1, 0, j0, n), 1, j0, j1)
                    w = torch.matmul(torch.slice(torch.slice(s2, 0, j0, n), 1, j0, n), lj)
                    for i0 in range(j0, n, block):
                      i1 = min(torch.add(i0, block), n)
                      li = torch.transpose(torch.slice(torch.slice(s1, 0, i0, n), 1, i0, i1), 0, 1)
                      mij = torch.matmul(li, torch.slice(w, 0, torch.sub(i0, j0), torch.sub(n, j0)))
                      _3 = torch.copy_(torch.slice(torch.slice(s2, 0, i0, i1), 1, j0, j1), mij)
                  mu = torch.linalg_eigvalsh(s2)
                else:
                  w0, v = torch.linalg_eigh(s1)
                  w1 = torch.where(torch.gt(w0, torch.mul(torch.max(w0), rtol)), w0, torch.zeros_like(w0))
                  b = torch.mul(torch.unsqueeze(torch.sqrt(w1), 1), torch.transpose(v, 0, 1))
                  m = torch.matmul(torch.matmul(b, s2), torch.transpose(b, 0, 1))
                  mu = torch.linalg_eigvalsh(torch.mul(torch.add(m, torch.transpose(m, 0, 1)), 0.5))
                mu0 = torch.where(torch.gt(mu, torch.mul(torch.max(mu), rtol)), mu, torch.zeros_like(mu))
                return torch.sum(torch.sqrt(mu0))
            """;

    private static TorchTraceSqrt instance;
    private final PtNDManager manager;
    private final PtSymbolBlock module;
    /**
     * Input buffers kept between calls and overwritten by the computation: libtorch wraps a direct
     * buffer without copying, while a fresh 2048 x 2048 array costs an allocation and a copy (20
     * ms, 4% of the whole distance).
     */
    private ByteBuffer first;
    private ByteBuffer second;

    private TorchTraceSqrt(PtNDManager manager, PtSymbolBlock module) {
        this.manager = manager;
        this.module = module;
    }

    static synchronized TorchTraceSqrt get() {
        if (instance == null) {
            PtNDManager manager = (PtNDManager) NDManager.newBaseManager();
            try {
                instance = new TorchTraceSqrt(manager, TorchScriptArchive.load(manager, "FrechetTrace", SOURCE));
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
        return instance;
    }

    /** @param s1 symmetric d x d, row-major; s2 likewise */
    double traceSqrtProduct(double[] s1, double[] s2, int d) {
        return traceSqrtProduct(s1, s2, d, BLOCK);
    }

    synchronized double traceSqrtProduct(double[] s1, double[] s2, int d, int block) {
        // S1 S2 and S2 S1 have the same eigenvalues, so either positive-definite side can be factored.
        // A failed attempt leaves a partial factor in the buffers; each run refills them.
        double value = run(s1, s2, d, block, CHOLESKY_ROUTE);
        if (value == NOT_POSITIVE_DEFINITE) {
            value = run(s2, s1, d, block, CHOLESKY_ROUTE);
        }
        return value == NOT_POSITIVE_DEFINITE ? run(s1, s2, d, block, EIGH_ROUTE) : value;
    }

    private double run(double[] s1, double[] s2, int d, int block, long route) {
        int bytes = Math.multiplyExact(8 * d, d);
        if (first == null || first.capacity() != bytes) {
            first = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            second = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        first.clear().asDoubleBuffer().put(s1);
        second.clear().asDoubleBuffer().put(s2);
        try (NDManager scope = manager.newSubManager()) {
            PtNDArray a = (PtNDArray) scope.create(first, new Shape(d, d), DataType.FLOAT64);
            PtNDArray b = (PtNDArray) scope.create(second, new Shape(d, d), DataType.FLOAT64);
            IValue[] inputs = {IValue.from(a), IValue.from(b), IValue.from(d * Math.ulp(1.0)), IValue.from(block),
                IValue.from(route)};
            try (IValue result = module.forward(inputs)) {
                return result.toTensor((PtNDManager) scope).toDoubleArray()[0];
            } finally {
                for (IValue v : inputs) {
                    v.close();
                }
            }
        }
    }

    @Override
    public void close() {
        module.close();
        manager.close();
    }
}
