package dev.gantry.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecException;
import dev.gantry.spec.SpecLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a trial's trajectory is a function of: the chain of (spec, seed, overrides, from-step)
 * records from the trial trained from scratch down to this one. The first link is the root
 * (from step 0); every later link is a fork: it starts from its parent's committed checkpoint at
 * {@code fromStep} and trains on with its own spec (the parent's spec with the link's overrides
 * applied). Replaying the links in order in one process gives the trial's state bit for bit
 * (same hardware, library versions and thread count).
 *
 * <p>A PBT "exploit" is a fork of another trial's checkpoint with overrides, so it is one more
 * link. The JSON form (in state.json, the results JSON and lineage files) is documented in
 * docs/checkpoint-format.md.
 */
public record Lineage(List<Link> links) {
    public static final String FORMAT = "gantry-lineage";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One segment of a trajectory.
     *
     * @param trialId the trial that trained from {@code fromStep} with {@code specYaml}
     * @param fromStep 0 for the root; the fork step for a fork
     * @param specYaml the trial's complete spec (overrides applied)
     * @param specHash {@link ExperimentSpec#trajectoryHash()} of {@code specYaml}
     * @param seed the trial seed (training.seed of the spec)
     * @param overrides what the link changed: grid values for the root, --set values for a fork
     * @param parentTrialId the trial forked from ("" for the root)
     * @param parentManifestSha256 SHA-256 of the parent checkpoint's manifest ("" for the root)
     */
    public record Link(String trialId, long fromStep, String specYaml, String specHash, long seed,
            Map<String, String> overrides, String parentTrialId, String parentManifestSha256) {
        public Link {
            overrides = Map.copyOf(new TreeMap<>(overrides));
        }

        public boolean isRoot() {
            return parentTrialId.isEmpty();
        }

        /** The overrides in key order (the record keeps an unordered copy). */
        public Map<String, String> sortedOverrides() {
            return new TreeMap<>(overrides);
        }

        public Link withParentManifest(String sha256) {
            return new Link(trialId, fromStep, specYaml, specHash, seed, overrides, parentTrialId, sha256);
        }
    }

    public Lineage {
        links = List.copyOf(links);
        if (links.isEmpty()) {
            throw new IllegalArgumentException("a lineage has at least its root");
        }
        if (!links.get(0).isRoot() || links.get(0).fromStep() != 0) {
            throw new IllegalArgumentException("a lineage starts with a root trained from step 0");
        }
        for (int i = 1; i < links.size(); i++) {
            Link l = links.get(i);
            Link parent = links.get(i - 1);
            if (l.isRoot() || !l.parentTrialId().equals(parent.trialId()) || l.fromStep() <= parent.fromStep()) {
                throw new IllegalArgumentException("link " + i + " (" + l.trialId() + " from " + l.parentTrialId() + "@"
                        + l.fromStep() + ") does not continue link " + (i - 1) + " (" + parent.trialId() + " from step "
                        + parent.fromStep() + ")");
            }
        }
    }

    /** A trial trained from scratch. */
    public static Lineage root(String trialId, String specYaml, ExperimentSpec spec, Map<String, String> overrides) {
        return new Lineage(List.of(new Link(trialId, 0, specYaml, spec.trajectoryHash(), spec.training().seed(),
                overrides, "", "")));
    }

    /** This lineage continued by a fork of its last trial at {@code step}. */
    public Lineage fork(String childTrialId, long step, String childSpecYaml, ExperimentSpec childSpec,
            Map<String, String> overrides, String parentManifestSha256) {
        List<Link> out = new ArrayList<>(links);
        out.add(new Link(childTrialId, step, childSpecYaml, childSpec.trajectoryHash(), childSpec.training().seed(),
                overrides, last().trialId(), parentManifestSha256));
        return new Lineage(out);
    }

    public Link last() {
        return links.get(links.size() - 1);
    }

    public String trialId() {
        return last().trialId();
    }

    public boolean isFork() {
        return links.size() > 1;
    }

    /** The step the last link starts from. */
    public long forkStep() {
        return last().fromStep();
    }

    /** The last link's spec, parsed: what the trial trains with now. */
    public ExperimentSpec spec() {
        return spec(links.size() - 1);
    }

    public ExperimentSpec spec(int link) {
        return SpecLoader.parse(links.get(link).specYaml(), "lineage of " + trialId() + ", link " + link + " ("
                + links.get(link).trialId() + ")");
    }

    /** The first {@code n} links: the lineage of an ancestor. */
    public Lineage prefix(int n) {
        return new Lineage(links.subList(0, n));
    }

    /**
     * SHA-256 of what the trajectory is a function of: every link's (spec hash, seed, from-step).
     * Trial ids, overrides as written and manifest hashes are left out: two lineages with the same
     * hash train the same bits.
     */
    public String trajectoryHash() {
        StringBuilder canonical = new StringBuilder(FORMAT).append(VERSION);
        for (Link l : links) {
            canonical.append('|').append(l.fromStep()).append(':').append(l.specHash()).append(':').append(l.seed());
        }
        return dev.gantry.checkpoint.Manifest.sha256(canonical.toString().getBytes(StandardCharsets.UTF_8));
    }

    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("trialId", trialId());
        root.put("trajectoryHash", trajectoryHash());
        ArrayNode array = root.putArray("links");
        for (Link l : links) {
            ObjectNode n = array.addObject();
            n.put("trialId", l.trialId());
            n.put("fromStep", l.fromStep());
            if (!l.isRoot()) {
                ObjectNode parent = n.putObject("parent");
                parent.put("trialId", l.parentTrialId());
                parent.put("step", l.fromStep());
                parent.put("manifestSha256", l.parentManifestSha256());
            }
            n.put("seed", l.seed());
            n.put("specHash", l.specHash());
            ObjectNode overrides = n.putObject("overrides");
            l.sortedOverrides().forEach(overrides::put);
            n.put("spec", l.specYaml());
        }
        return root;
    }

    public String toJsonString() {
        try {
            return JSON.writeValueAsString(toJson(JSON)) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads the JSON form. Each link's spec must parse and hash to the recorded spec hash, so a
     * lineage file that was edited by hand fails here instead of replaying another trajectory.
     */
    public static Lineage fromJson(JsonNode node, String source) {
        if (node == null || !FORMAT.equals(node.path("format").asText())) {
            throw new LineageException(source + ": not a gantry lineage (format must be " + FORMAT + ")");
        }
        if (node.path("version").asInt(-1) != VERSION) {
            throw new LineageException(source + ": lineage version " + node.path("version").asText()
                    + " is not supported (this gantry reads version " + VERSION + ")");
        }
        List<Link> links = new ArrayList<>();
        int i = 0;
        for (JsonNode n : node.path("links")) {
            String where = source + ": links[" + i + "]";
            String yaml = n.path("spec").asText("");
            ExperimentSpec spec;
            try {
                spec = SpecLoader.parse(yaml, where + ".spec");
            } catch (SpecException e) {
                throw new LineageException(String.join("\n", e.problems()));
            }
            String hash = n.path("specHash").asText("");
            if (!spec.trajectoryHash().equals(hash)) {
                throw new LineageException(where + ": spec hashes to " + spec.trajectoryHash() + ", the link says " + hash);
            }
            if (spec.training().seed() != n.path("seed").asLong()) {
                throw new LineageException(where + ": seed " + n.path("seed").asText() + " is not the spec's "
                        + spec.training().seed());
            }
            Map<String, String> overrides = new TreeMap<>();
            n.path("overrides").fields().forEachRemaining(f -> overrides.put(f.getKey(), f.getValue().asText()));
            JsonNode parent = n.path("parent");
            links.add(new Link(n.path("trialId").asText(""), n.path("fromStep").asLong(-1), yaml, hash,
                    spec.training().seed(), overrides, parent.path("trialId").asText(""),
                    parent.path("manifestSha256").asText("")));
            i++;
        }
        try {
            return new Lineage(links);
        } catch (IllegalArgumentException e) {
            throw new LineageException(source + ": " + e.getMessage());
        }
    }

    public static Lineage parse(String json, String source) {
        try {
            return fromJson(JSON.readTree(json), source);
        } catch (IOException e) {
            throw new LineageException(source + ": not JSON: " + e.getMessage());
        }
    }

    /** A malformed or inconsistent lineage record. */
    public static final class LineageException extends RuntimeException {
        public LineageException(String message) {
            super(message);
        }
    }
}
