package dev.gantry.spec;

/** What sits at an attention position: the paper's self-attention, or its ablation control. */
public enum AttentionKind {
    /** SAGAN self-attention: f, g, h, v 1x1 convs, softmax over positions, gamma starting at 0. */
    SELF_ATTENTION("self-attention"),
    /** A residual block with (nearly) the same parameter count, as in the paper's Table 1. */
    RESIDUAL("residual");

    private final String specName;

    AttentionKind(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }

    public static AttentionKind fromSpecName(String name) {
        for (AttentionKind kind : values()) {
            if (kind.specName.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown attention kind '" + name + "'");
    }
}
