package dev.gantry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Frees a block's intermediate arrays as soon as the block returns. Closing a Java NDArray only
 * drops gantry's reference to the native tensor: autograd keeps its own references to what
 * backward needs, so this lowers peak memory (and allocation churn) without changing results.
 */
public final class Scopes {
    private Scopes() {}

    /** Runs {@code block} in its own NDScope and hands its result to the enclosing scope. */
    public static NDArray keepOnlyResult(Supplier<NDArray> block) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = block.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }

    /** {@link #keepOnlyResult} for a block with several results, handed on in the order returned. */
    public static NDList keepOnlyResults(Supplier<NDList> block) {
        NDList results;
        try (NDScope scope = new NDScope()) {
            results = block.get();
            NDScope.unregister(results);
        }
        results.forEach(NDScope::register);
        return results;
    }
}
