package dev.gantry.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gantry.spec.Architecture;
import dev.gantry.spec.AttentionKind;
import dev.gantry.spec.NetworkConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Parses and validates an experiment spec: the one place where defaults live and where every
 * field is checked. All problems are reported together, each with file, line and field.
 */
public final class SpecLoader {
    private static final Set<String> TOP = Set.of("name", "dataset", "model", "training", "experiment");  // experiment: PlanLoader
    private static final Set<String> DATASET = Set.of("kind", "path", "split", "channels");
    private static final Set<String> MODEL = Set.of("imageSize", "zDim", "generator", "discriminator",
            "attentionBlock", "bnMomentum");
    private static final Set<String> NETWORK = Set.of("channels", "attention", "spectralNorm");
    private static final Set<String> TRAINING = Set.of("seed", "steps", "batchSize", "dStepsPerGStep", "lrG",
            "lrD", "ttur", "beta1", "beta2", "eps", "ema");
    private static final Set<String> EMA = Set.of("decay", "startStep");

    /**
     * How deep a spec may nest. The deepest real one is 5 levels (experiment.variants[0].set.x);
     * Jackson's default allows 1000, and the location pass costs depth squared per token, so a
     * 4 KB spec nested 999 deep took most of a second to refuse.
     */
    static final int MAX_DEPTH = 32;

    /** The YAML parser every spec reader uses: nesting bounded by {@link #MAX_DEPTH}. */
    static YAMLFactory yamlFactory() {
        return YAMLFactory.builder().streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                .build();
    }

    private static final ObjectMapper YAML = new ObjectMapper(yamlFactory());

    public static final int DEFAULT_G_CHANNELS = 64;
    public static final int DEFAULT_D_CHANNELS = 32;

    private SpecLoader() {}

    public static ExperimentSpec load(Path file) {
        return parse(read(file), file.toString());
    }

    /** A spec file's text; a missing or unreadable file is a SpecException naming it. */
    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SpecException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new SpecException(List.of(file + ": cannot read: " + e.getMessage()));
        }
    }

    public static ExperimentSpec parse(String yaml, String source) {
        JsonNode root;
        YamlLocations locations;
        JsonParser parser = null;
        try {
            parser = YAML.createParser(yaml);
            root = YAML.readTree(parser);
            locations = YamlLocations.of(yaml);
        } catch (JsonProcessingException e) {
            // Limits (nesting depth, document size) are reported without a location; the parser knows where it stopped.
            int line = e.getLocation() != null ? e.getLocation().getLineNr()
                    : parser != null ? parser.currentLocation().getLineNr() : 0;
            throw new SpecException(List.of(source + (line > 0 ? ":" + line : "") + ": not valid YAML: "
                    + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new SpecException(List.of(source + ": cannot parse: " + e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new SpecException(List.of(source + ": the spec must be a YAML mapping with name, dataset, model, training"));
        }
        SpecReader r = new SpecReader(source, locations);
        r.onlyKnownKeys(root, "", TOP);

        String name = r.string(root, "", "name", null);
        if (name == null || name.isBlank()) {
            r.problem("name", "is required (a short experiment name)");
        } else if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            r.problem("name", "'" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }

        DatasetSpec dataset = dataset(r, r.section(root, "", "dataset"));
        ExperimentSpec.ModelSpec model = model(r, r.section(root, "", "model"));
        TrainingSpec training = training(r, r.section(root, "", "training"));

        if (!r.problems().isEmpty()) {
            throw new SpecException(r.problems());
        }
        return new ExperimentSpec(name, dataset, model, training);
    }

    private static DatasetSpec dataset(SpecReader r, JsonNode node) {
        if (node == null) {
            r.problem("dataset", "is required (at least dataset.kind)");
            return null;
        }
        r.onlyKnownKeys(node, "dataset", DATASET);
        String kind = r.choice(node, "dataset", "kind", null,
                Set.of(DatasetSpec.FASHION_MNIST, DatasetSpec.CIFAR10, DatasetSpec.IMAGE_FOLDER));
        Optional<String> path = Optional.ofNullable(r.string(node, "dataset", "path", null));
        String split = r.choice(node, "dataset", "split", "train", Set.of("train", "test"));
        int defaultChannels = DatasetSpec.FASHION_MNIST.equals(kind) ? 1 : 3;
        int channels = r.integer(node, "dataset", "channels", defaultChannels, 1, 3);
        if (channels == 2) {
            r.problem("dataset.channels", "must be 1 (grayscale) or 3 (RGB)");
        }
        if (DatasetSpec.IMAGE_FOLDER.equals(kind) && path.isEmpty()) {
            r.problem("dataset.path", "is required for an image folder (a directory or s3://bucket/prefix)");
        }
        if (r.present(node, "channels") && !DatasetSpec.IMAGE_FOLDER.equals(kind) && channels != defaultChannels) {
            r.problem("dataset.channels", kind + " images have " + defaultChannels + " channel(s)");
        }
        return new DatasetSpec(kind, path, split, channels);
    }

    private static ExperimentSpec.ModelSpec model(SpecReader r, JsonNode node) {
        r.onlyKnownKeys(node, "model", MODEL);
        int imageSize = r.integer(node, "model", "imageSize", 32, 1, 4096);
        if (!Architecture.IMAGE_SIZES.contains(imageSize)) {
            r.problem("model.imageSize", imageSize + " is not supported; use one of " + Architecture.IMAGE_SIZES);
            imageSize = 32;
        }
        Architecture arch = Architecture.forImageSize(imageSize);
        int zDim = r.integer(node, "model", "zDim", 128, 1, 4096);
        NetworkConfig g = network(r, r.section(node, "model", "generator"), "model.generator", DEFAULT_G_CHANNELS,
                arch.generatorAttentionSizes());
        NetworkConfig d = network(r, r.section(node, "model", "discriminator"), "model.discriminator",
                DEFAULT_D_CHANNELS, arch.discriminatorAttentionSizes());
        String block = r.choice(node, "model", "attentionBlock", AttentionKind.SELF_ATTENTION.specName(),
                Set.of(AttentionKind.SELF_ATTENTION.specName(), AttentionKind.RESIDUAL.specName()));
        double bnMomentum = r.number(node, "model", "bnMomentum", 0.1, 0.0, 1.0);
        return new ExperimentSpec.ModelSpec(imageSize, zDim, g, d, AttentionKind.fromSpecName(block), bnMomentum);
    }

    private static NetworkConfig network(SpecReader r, JsonNode node, String path, int defaultChannels,
            List<Integer> allowedAttention) {
        r.onlyKnownKeys(node, path, NETWORK);
        int channels = r.integer(node, path, "channels", defaultChannels, 1, 4096);
        List<Integer> attention = attention(r, node, path, allowedAttention);
        boolean sn = r.bool(node, path, "spectralNorm", true);
        // Attention keys and queries have C/8 channels at the widest block width (4x base): keep them >= 1.
        return new NetworkConfig(channels, attention, sn);
    }

    /** Attention sizes as numbers (16) or the paper's names ("feat16"); "none" or [] for no attention. */
    private static List<Integer> attention(SpecReader r, JsonNode parent, String path, List<Integer> allowed) {
        String field = path + ".attention";
        JsonNode node = parent == null ? null : parent.get("attention");
        if (node == null || node.isNull()) {
            return allowed.contains(16) ? List.of(16) : List.of();
        }
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else {
            items.add(node);
        }
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String itemPath = node.isArray() ? field + "[" + i + "]" : field;
            String text = item.asText().trim();
            if (text.equals("none") && items.size() == 1) {
                return List.of();
            }
            String digits = text.startsWith("feat") ? text.substring(4) : text;
            int size;
            try {
                size = Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                r.problem(itemPath, "'" + text + "' is not a feature-map size like 16 or feat16 (or none)");
                continue;
            }
            if (!allowed.contains(size)) {
                r.problem(itemPath, "feature maps of size " + size + " do not exist here; choose from " + allowed);
            } else if (sizes.contains(size)) {
                r.problem(itemPath, "size " + size + " is listed twice");
            } else {
                sizes.add(size);
            }
        }
        return sizes;
    }

    private static TrainingSpec training(SpecReader r, JsonNode node) {
        r.onlyKnownKeys(node, "training", TRAINING);
        long seed = r.longValue(node, "training", "seed", 0);
        long steps = r.longValue(node, "training", "steps", 1000);
        if (steps < 1) {
            r.problem("training.steps", "must be at least 1 (got " + steps + ")");
        }
        int batch = r.integer(node, "training", "batchSize", 64, 1, 4096);
        int nDis = r.integer(node, "training", "dStepsPerGStep", 1, 1, 100);
        double lrG = r.number(node, "training", "lrG", 1e-4, Double.MIN_VALUE, 1.0);
        double lrD = r.number(node, "training", "lrD", 4e-4, Double.MIN_VALUE, 1.0);
        boolean ttur = r.bool(node, "training", "ttur", true);
        if (!ttur && r.present(node, "lrD")) {
            r.problem("training.lrD", "ttur: false trains D at lrG; remove lrD or set ttur: true");
        }
        double beta1 = r.number(node, "training", "beta1", 0.0, 0.0, 0.999999);
        double beta2 = r.number(node, "training", "beta2", 0.9, 0.0, 0.999999);
        double eps = r.number(node, "training", "eps", 1e-8, 0.0, 1.0);
        return new TrainingSpec(seed, steps, batch, nDis, lrG, lrD, ttur, beta1, beta2, eps, ema(r, node));
    }

    /** training.ema: absent or null for none; a mapping (possibly empty, for the defaults) for G_ema. */
    private static EmaSpec ema(SpecReader r, JsonNode training) {
        JsonNode present = training == null ? null : training.get("ema");
        JsonNode node = r.section(training, "training", "ema");
        if (present == null || present.isNull() || node == null) {
            return null;
        }
        r.onlyKnownKeys(node, "training.ema", EMA);
        double decay = r.number(node, "training.ema", "decay", EmaSpec.DEFAULT_DECAY, 0.0, 1.0);
        if (decay <= 0.0 || decay >= 1.0) {
            r.problem("training.ema.decay", "must be strictly between 0 and 1 (got " + decay + ")");
        }
        long startStep = r.longValue(node, "training.ema", "startStep", EmaSpec.DEFAULT_START_STEP);
        if (startStep < 0) {
            r.problem("training.ema.startStep", "must be 0 or more (got " + startStep + ")");
        }
        return new EmaSpec(decay, startStep);
    }
}
