package dev.gantry.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.model.ModelTensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with PyTorch's update (torch.optim.Adam, no weight decay, no amsgrad):
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Written by gantry (DJL's own Adam hides its moments and places eps differently) so the moments
 * and the step count are checkpoint state; the element-wise work runs in {@link AdamUpdate}.
 */
public final class Adam {
    public record Hyper(double lr, double beta1, double beta2, double eps) {}

    private final Hyper hyper;
    private final List<NDArray> parameterArrays;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long step;

    public Adam(List<ModelTensor> parameters, Hyper hyper, NDManager manager) {
        this.parameterArrays = parameters.stream().map(ModelTensor::array).toList();
        this.hyper = hyper;
        for (ModelTensor p : parameters) {
            expAvg.put(p.name(), manager.zeros(p.array().getShape(), p.array().getDataType()));
            expAvgSq.put(p.name(), manager.zeros(p.array().getShape(), p.array().getDataType()));
        }
    }

    /** Applies one update from the gradients currently attached to the parameters. */
    public void step() {
        step++;
        double bc1 = 1 - Math.pow(hyper.beta1(), step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(hyper.beta2(), step));
        AdamUpdate.apply(parameterArrays, List.copyOf(expAvg.values()), List.copyOf(expAvgSq.values()),
                (float) hyper.beta1(), (float) hyper.beta2(), (float) bc2Sqrt, (float) hyper.eps(),
                (float) (hyper.lr() / bc1));
    }

    public long stepCount() {
        return step;
    }

    public void setStepCount(long step) {
        this.step = step;
    }

    public Hyper hyper() {
        return hyper;
    }

    /**
     * The optimizer's tensors as a checkpoint holds them: "NAME.exp_avg" for every parameter,
     * then "NAME.exp_avg_sq", in parameter order. Loading writes into these same arrays.
     */
    public Map<String, NDArray> stateTensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        expAvg.forEach((name, array) -> out.put(name + ".exp_avg", array));
        expAvgSq.forEach((name, array) -> out.put(name + ".exp_avg_sq", array));
        return out;
    }

    /** The scalar state: type, step count and hyper-parameters (the latter for people; the spec sets them). */
    public ObjectNode stateJson(ObjectMapper json) {
        ObjectNode node = json.createObjectNode();
        node.put("type", "adam");
        node.put("step", step);
        node.put("lr", hyper.lr());
        node.put("beta1", hyper.beta1());
        node.put("beta2", hyper.beta2());
        node.put("eps", hyper.eps());
        return node;
    }

    /** Restores the scalar state written by {@link #stateJson}. */
    public void loadStateJson(JsonNode node) {
        step = node.path("step").asLong();
    }

    /** First moments by parameter name. */
    public Map<String, NDArray> expAvg() {
        return Collections.unmodifiableMap(expAvg);
    }

    /** Second moments by parameter name. */
    public Map<String, NDArray> expAvgSq() {
        return Collections.unmodifiableMap(expAvgSq);
    }
}
