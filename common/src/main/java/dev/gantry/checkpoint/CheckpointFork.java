package dev.gantry.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.lineage.Lineage;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.TrainingSpec;
import dev.gantry.storage.ObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The first checkpoint of a forked trial: its parent's committed checkpoint copied under the
 * child's own prefix, with the child's own state.json and manifest. The tensors
 * (model.safetensors, optimizer.safetensors) are copied object for object, server-side on S3 and
 * as hard links in a directory store, so deleting the parent's checkpoint (retention) never breaks
 * the child; state.json is rewritten to carry the child's spec, spec hash, seed, optimizer
 * hyper-parameters and lineage; the manifest is committed last with a conditional write, as every
 * checkpoint is. Idempotent: a second copy (a coordinator restarted before it published the
 * fork) finds the child's manifest and returns it.
 *
 * <p>No engine is needed: the bytes of the tensors are not touched.
 */
public final class CheckpointFork {
    /** The name of the state file inside a checkpoint (core's CheckpointCodec.STATE). */
    public static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointFork() {}

    /**
     * @param manifestSha256 the child checkpoint's manifest
     * @param parentManifestSha256 the parent checkpoint's manifest, as recorded in the child's lineage
     * @param lineage the child's lineage as written into its state.json
     * @param alreadyCommitted the child's checkpoint existed before this call
     */
    public record Copied(String manifestSha256, String parentManifestSha256, Lineage lineage, boolean alreadyCommitted) {}

    /**
     * Copies the parent's checkpoint at {@code step} to the child's prefix.
     *
     * @param expectedParentManifest the parent manifest's SHA-256 the fork was decided on ("" for any)
     * @param lineage the child's lineage; its last link's parent manifest hash may be blank, it is
     *     filled in from the parent's manifest
     * @throws CheckpointException when the parent's checkpoint is missing, of another step or
     *     trajectory, or not the expected one
     */
    public static Copied copy(ObjectStore from, String fromPrefix, long step, String expectedParentManifest,
            ObjectStore to, String toPrefix, Lineage lineage) {
        ExperimentSpec childSpec = lineage.spec();
        Optional<Copied> existing = committed(to, toPrefix, step, childSpec.trajectoryHash());
        if (existing.isPresent()) {
            return existing.get();
        }
        String where = from.location() + "/" + fromPrefix;
        byte[] parentManifestBytes = from.get(fromPrefix + Manifest.FILE_NAME).orElseThrow(() -> new CheckpointException(
                where + ": no " + Manifest.FILE_NAME + " (never committed, or removed by retention)"));
        String parentSha = Manifest.sha256(parentManifestBytes);
        if (!expectedParentManifest.isBlank() && !expectedParentManifest.equals(parentSha)) {
            throw new CheckpointException(where + ": its manifest is not the one committed for this step (SHA-256 "
                    + parentSha + ", expected " + expectedParentManifest + ")");
        }
        Manifest parent = Manifest.parse(parentManifestBytes, where);
        if (parent.step() != step) {
            throw new CheckpointException(where + ": holds step " + parent.step() + ", expected " + step);
        }
        String parentSpecHash = lineage.links().get(lineage.links().size() - 2).specHash();
        if (!parent.specHash().equals(parentSpecHash)) {
            throw new CheckpointException(where + ": belongs to another trajectory (spec hash " + parent.specHash()
                    + ", the parent's is " + parentSpecHash + ")");
        }
        Lineage childLineage = lineage.last().parentManifestSha256().isBlank()
                ? withParentManifest(lineage, parentSha) : lineage;
        List<Manifest.Entry> entries = new ArrayList<>();
        boolean sawState = false;
        for (Manifest.Entry e : parent.files()) {
            if (e.name().equals(STATE)) {
                byte[] bytes = from.get(fromPrefix + e.object()).orElseThrow(() -> new CheckpointException(
                        where + ": " + STATE + " is listed in the manifest but missing"));
                parent.verifyFile(STATE, bytes, where);
                byte[] child = childState(bytes, childLineage, where);
                String sha = Manifest.sha256(child);
                Manifest.Entry entry = new Manifest.Entry(STATE, Manifest.objectName(STATE, sha), child.length, sha);
                to.put(toPrefix + entry.object(), child);
                entries.add(entry);
                sawState = true;
            } else {
                // Same bytes, same content-addressed name (a version 1 parent keeps plain names).
                to.copyFrom(from, fromPrefix + e.object(), toPrefix + e.object());
                entries.add(e);
            }
        }
        if (!sawState) {
            throw new CheckpointException(where + ": the manifest lists no " + STATE);
        }
        Manifest manifest = new Manifest(Manifest.VERSION, step, childSpec.trajectoryHash(), entries);
        byte[] manifestBytes = manifest.toJson();
        if (to.putIfAbsent(toPrefix + Manifest.FILE_NAME, manifestBytes)) {
            return new Copied(Manifest.sha256(manifestBytes), parentSha, childLineage, false);
        }
        return committed(to, toPrefix, step, childSpec.trajectoryHash()).orElseThrow(() -> new CheckpointException(
                to.location() + "/" + toPrefix + ": another writer's manifest vanished"));
    }

    /** The child's checkpoint, where it is committed already (of this step and trajectory). */
    private static Optional<Copied> committed(ObjectStore to, String toPrefix, long step, String specHash) {
        Optional<byte[]> bytes = to.get(toPrefix + Manifest.FILE_NAME);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        String where = to.location() + "/" + toPrefix;
        Manifest m = Manifest.parse(bytes.get(), where);
        if (m.step() != step || !m.specHash().equals(specHash)) {
            throw new CheckpointException(where + ": already holds another checkpoint (step " + m.step() + ", spec hash "
                    + m.specHash() + ")");
        }
        Manifest.Entry state = m.files().stream().filter(e -> e.name().equals(STATE)).findFirst()
                .orElseThrow(() -> new CheckpointException(where + ": the manifest lists no " + STATE));
        byte[] stateBytes = to.get(toPrefix + state.object()).orElseThrow(() -> new CheckpointException(
                where + ": " + STATE + " is listed in the manifest but missing"));
        m.verifyFile(STATE, stateBytes, where);
        Lineage lineage = lineageOf(readJson(stateBytes, where), where)
                .orElseThrow(() -> new CheckpointException(where + ": a fork's " + STATE + " without a lineage"));
        return Optional.of(new Copied(Manifest.sha256(bytes.get()), lineage.last().parentManifestSha256(), lineage, true));
    }

    private static Lineage withParentManifest(Lineage lineage, String sha) {
        List<Lineage.Link> links = new ArrayList<>(lineage.links());
        links.set(links.size() - 1, lineage.last().withParentManifest(sha));
        return new Lineage(links);
    }

    /**
     * The child's state.json: the parent's with the child's spec, spec hash, seed, Adam
     * hyper-parameters and lineage. The step and Adam step counts stay: the optimizer state carries
     * over, and the new learning rates apply from the fork's first step.
     */
    public static byte[] childState(byte[] parentState, Lineage lineage, String where) {
        ObjectNode root = readJson(parentState, where);
        Lineage.Link link = lineage.last();
        ExperimentSpec spec = lineage.spec();
        if (root.path("step").asLong(-1) != link.fromStep()) {
            throw new CheckpointException(where + "/" + STATE + ": holds step " + root.path("step").asText()
                    + ", the fork starts at " + link.fromStep());
        }
        root.put("specHash", link.specHash());
        root.put("seed", spec.training().seed());
        TrainingSpec t = spec.training();
        hyper(root.path("optimizers").path("G"), t.lrG(), t);
        hyper(root.path("optimizers").path("D"), t.effectiveLrD(), t);
        root.put("spec", link.specYaml());
        root.set("lineage", lineage.toJson(JSON));
        try {
            return JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The lineage a state.json carries, if any (trials trained from scratch carry none). */
    public static Optional<Lineage> lineageOf(JsonNode state, String where) {
        JsonNode node = state.get("lineage");
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Lineage.fromJson(node, where + "/" + STATE + "#lineage"));
        } catch (Lineage.LineageException e) {
            throw new CheckpointException(e.getMessage());
        }
    }

    private static void hyper(JsonNode optimizer, double lr, TrainingSpec t) {
        if (optimizer instanceof ObjectNode o) {
            o.put("lr", lr);
            o.put("beta1", t.beta1());
            o.put("beta2", t.beta2());
            o.put("eps", t.eps());
        }
    }

    private static ObjectNode readJson(byte[] bytes, String where) {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            throw new CheckpointException(where + "/" + STATE + ": not JSON: " + e.getMessage());
        }
        throw new CheckpointException(where + "/" + STATE + ": not a JSON object");
    }
}
