package dev.gantry.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The named state of one network, in registration order (which fixes the checkpoint order too). */
public final class TensorRegistry {
    private final Map<String, ModelTensor> tensors = new LinkedHashMap<>();

    void add(ModelTensor tensor) {
        if (tensors.putIfAbsent(tensor.name(), tensor) != null) {
            throw new IllegalStateException("tensor name registered twice: " + tensor.name());
        }
    }

    public Map<String, ModelTensor> all() {
        return Collections.unmodifiableMap(tensors);
    }

    public List<ModelTensor> trainable() {
        List<ModelTensor> out = new ArrayList<>();
        for (ModelTensor t : tensors.values()) {
            if (t.trainable()) {
                out.add(t);
            }
        }
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (ModelTensor t : trainable()) {
            n += t.array().size();
        }
        return n;
    }
}
