package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import dev.gantry.spec.AttentionKind;

/** A shape-preserving block placed at an attention position: self-attention or its residual stand-in. */
public interface FeatureBlock {
    NDArray forward(NDArray x, Forward f);

    static FeatureBlock create(AttentionKind kind, ParameterScope scope, long channels, boolean sn) {
        return switch (kind) {
            case SELF_ATTENTION -> new SelfAttention(scope, channels, sn);
            case RESIDUAL -> new ResidualStandIn(scope, channels, sn);
        };
    }
}
