package dev.gantry.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The hinge adversarial loss used by SAGAN (Lim and Ye 2017; Tran et al. 2017). */
public final class HingeLoss {
    private HingeLoss() {}

    /** L_D = E[max(0, 1 - D(x, y))] + E[max(0, 1 + D(G(z), y))]. */
    public static NDArray discriminator(NDArray realLogits, NDArray fakeLogits) {
        NDArray real = Activation.relu(realLogits.neg().add(1f)).mean();
        NDArray fake = Activation.relu(fakeLogits.add(1f)).mean();
        return real.add(fake);
    }

    /** L_G = -E[D(G(z), y)]. */
    public static NDArray generator(NDArray fakeLogits) {
        return fakeLogits.mean().neg();
    }
}
