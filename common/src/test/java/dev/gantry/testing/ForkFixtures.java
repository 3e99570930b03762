package dev.gantry.testing;

import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.ForkOverrides;
import dev.gantry.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Checkpoints and lineages for fork tests that need no engine. */
public final class ForkFixtures {
    private ForkFixtures() {}

    /** A committed parent checkpoint at step 2 of the tiny spec, with a minimal state.json. */
    public static String commitParent(ObjectStore store, String prefix) {
        return commitParent(store, prefix, 2);
    }

    /** A committed checkpoint at {@code step} of the tiny spec (any length) with a minimal state.json. */
    public static String commitParent(ObjectStore store, String prefix, long step) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.safetensors", "model-bytes".getBytes(StandardCharsets.UTF_8));
        files.put("optimizer.safetensors", "optimizer-bytes".getBytes(StandardCharsets.UTF_8));
        files.put("state.json", ("{\"format\":\"gantry-checkpoint\",\"version\":1,\"step\":" + step + ",\"specHash\":\""
                + TinySpecs.spec().trajectoryHash() + "\",\"seed\":7,\"optimizers\":{\"G\":{\"type\":\"adam\",\"step\":2,"
                + "\"lr\":1.0E-4},\"D\":{\"type\":\"adam\",\"step\":2,\"lr\":4.0E-4}},\"spec\":\"x\"}")
                .getBytes(StandardCharsets.UTF_8));
        new CheckpointStore(store).commit(prefix, step, TinySpecs.spec().trajectoryHash(), files);
        return Manifest.sha256(store.get(prefix + Manifest.FILE_NAME).orElseThrow());
    }

    public static Lineage childLineage() {
        ForkOverrides.Child child = ForkOverrides.apply(TinySpecs.yaml(""), 2, Map.of("training.lrG", "2e-4"), 6L, "t");
        return Lineage.root("p", TinySpecs.yaml(""), TinySpecs.spec(), Map.of())
                .fork("c", 2, child.specYaml(), child.spec(), child.overrides(), "");
    }

}
