package dev.gantry.training;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.gantry.runtime.TorchScriptArchive;
import java.util.List;

/**
 * Adam's element-wise update of every parameter of a network in one call into libtorch: a
 * TorchScript loop over the parameters running the same 13 operations, in the same order and
 * precision, that {@link Adam} once issued one by one through DJL. Through DJL each operation
 * cost about 10 us (3-4 us of it call overhead: a JNI transition, a Java wrapper registered with
 * its manager and scope), about 9 ms of every iteration of the small bench configuration.
 */
final class AdamUpdate {
    /**
     * The scalars are float32 values widened to double, so libtorch sees the float32 numbers the
     * per-op version used. The divisor is a float32 tensor on the parameters' device, as it was
     * then: a plain number there would let a CUDA kernel multiply by its reciprocal instead.
     */
    private static final String SOURCE = """
              def forward(self: __torch__.AdamUpdate,
                params: List[Tensor],
                exp_avg: List[Tensor],
                exp_avg_sq: List[Tensor],
                beta1: float,
                one_minus_beta1: float,
                beta2: float,
                one_minus_beta2: float,
                bias_correction2_sqrt: Tensor,
                eps: float,
                step_size: float) -> None:
                for i in range(torch.len(params)):
                  p = params[i]
                  g = ops.prim.grad(p)
                  m = exp_avg[i]
                  v = exp_avg_sq[i]
                  _0 = torch.add_(torch.mul_(m, beta1), torch.mul(g, one_minus_beta1))
                  _1 = torch.mul_(v, beta2)
                  _2 = torch.mul_(torch.mul(g, g), one_minus_beta2)
                  _3 = torch.add_(_1, _2)
                  denom = torch.add_(torch.div_(torch.sqrt(v), bias_correction2_sqrt), eps)
                  _4 = torch.mul_(torch.div(m, denom), step_size)
                  _5 = torch.sub_(p, _4)
                return None
            """;

    private AdamUpdate() {}

    /**
     * One update of {@code parameters} from their gradients; the moments are updated in place.
     * DJL runs the script in inference mode, so the in-place updates are not recorded by autograd.
     */
    static void apply(List<NDArray> parameters, List<NDArray> expAvg, List<NDArray> expAvgSq, float beta1, float beta2,
            float bias2Sqrt, float eps, float stepSize) {
        try (NDArray divisor = parameters.get(0).getManager().create(bias2Sqrt)) {
            IValue[] inputs = {list(parameters), list(expAvg), list(expAvgSq), IValue.from(beta1),
                IValue.from(1 - beta1), IValue.from(beta2), IValue.from(1 - beta2), IValue.from((PtNDArray) divisor),
                IValue.from(eps), IValue.from(stepSize)};
            try {
                TorchScriptArchive.unoptimized(() -> TorchScriptArchive.shared("AdamUpdate", SOURCE).forward(inputs))
                        .close();
            } finally {
                for (IValue input : inputs) {
                    input.close();
                }
            }
        }
    }

    private static IValue list(List<NDArray> arrays) {
        return IValue.listFrom(arrays.stream().map(PtNDArray.class::cast).toArray(PtNDArray[]::new));
    }
}
