package dev.gantry.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.data.FashionMnist;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.lineage.Lineage;
import dev.gantry.testing.TinySpecs;
import java.util.Map;

/** state.json as TrainingState.stateJson writes it for the tiny spec, built without an engine. */
final class StateJsons {
    static final ObjectMapper JSON = new ObjectMapper();

    private StateJsons() {}

    /** A root trial's state.json; {@link #forked} adds a lineage, as a forked trial's has. */
    static ObjectNode valid() {
        ExperimentSpec spec = TinySpecs.spec();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "gantry-checkpoint");
        root.put("version", CheckpointCodec.STATE_VERSION);
        root.put("step", 4);
        root.put("specHash", spec.trajectoryHash());
        root.put("seed", spec.training().seed());
        root.set("model", JSON.valueToTree(spec.model().resolve(1, 10)));
        var names = root.putArray("classNames");
        FashionMnist.CLASS_NAMES.forEach(names::add);
        ObjectNode optimizers = root.putObject("optimizers");
        optimizers.putObject("G").put("type", "adam").put("step", 4).put("lr", 1e-4);
        optimizers.putObject("D").put("type", "adam").put("step", 4).put("lr", 4e-4);
        root.put("spec", TinySpecs.yaml(""));
        return root;
    }

    static ObjectNode forked() {
        ObjectNode root = valid();
        root.set("lineage", Lineage.root("exp-t000", TinySpecs.yaml(""), TinySpecs.spec(), Map.of()).toJson(JSON));
        return root;
    }
}
