package dev.gantry.cluster;

import dev.gantry.spec.GeneratorChoice;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How metrics are named: plain "fid" only for the Inception v3 weights of the TF FID code, and
 * "fid[EXTRACTOR]" for any other feature network, so numbers from different networks are never
 * mistaken for each other.
 */
public final class MetricNames {
    /** Feature extractors a spec may ask for. */
    public enum Extractor {
        INCEPTION_V3("inception-v3-tf-2015-12-05"),
        FMNIST_CNN_V1("fmnist-cnn-v1");

        private final String id;

        Extractor(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Optional<Extractor> byId(String id) {
            return Arrays.stream(values()).filter(e -> e.id.equals(id)).findFirst();
        }

        public static List<String> ids() {
            return Arrays.stream(values()).map(Extractor::id).toList();
        }
    }

    /** Metrics an evaluation policy may ask for; FID (and intra-FID) are always computed. */
    public enum SetMetric {
        FID("fid"),
        KID("kid"),          // KID and per-class intra-KID
        PR("pr"),            // improved precision and recall, k = 3
        DC("dc");            // density and coverage, k = 5

        private final String specName;

        SetMetric(String specName) {
            this.specName = specName;
        }

        public String specName() {
            return specName;
        }

        public static Optional<SetMetric> bySpecName(String name) {
            return Arrays.stream(values()).filter(m -> m.specName.equals(name)).findFirst();
        }

        public static List<String> specNames() {
            return Arrays.stream(values()).map(SetMetric::specName).toList();
        }
    }

    public static final String FID = "fid";
    public static final String INTRA_FID = "intra-fid";

    private MetricNames() {}

    /** True for the published Inception weights' id, the only one whose metrics are plain "fid". */
    public static boolean isStandard(String extractorId) {
        return Extractor.INCEPTION_V3.id().equals(extractorId);
    }

    /** "fid" for the standard extractor, "fid[id]" for any other. */
    public static String name(String metric, String extractorId) {
        return isStandard(extractorId) ? metric : metric + "[" + extractorId + "]";
    }

    /**
     * The full definition a result is keyed by: metric name, split, samples per class
     * ("class-counts" when the real split's counts are used), evaluation seed and, for the EMA
     * generator, "/generator=ema" (the raw generator's definitions are those from before EMA existed).
     */
    public static String definition(String extractorId, String split, int samplesPerClass, long seed,
            GeneratorChoice generator) {
        return name(FID, extractorId) + protocol(split, samplesPerClass, seed, generator);
    }

    /** The raw generator's definition. */
    public static String definition(String extractorId, String split, int samplesPerClass, long seed) {
        return definition(extractorId, split, samplesPerClass, seed, GeneratorChoice.RAW);
    }

    /**
     * Whether a result's definition follows the given protocol (split, samples per class, seed,
     * generator): only such results are comparable with each other, and only the experiment's own
     * protocol may choose a trial's best checkpoint.
     */
    public static boolean followsProtocol(String definition, String split, int samplesPerClass, long seed,
            GeneratorChoice generator) {
        return definition.endsWith(protocol(split, samplesPerClass, seed, generator));
    }

    /**
     * A definition or id as one path segment of a store key or file name: only letters, digits and
     * "._=-", with no "..", so a name from a message can never climb out of its folder.
     */
    public static String fileSafe(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._=-]", "_").replace("..", "__");
        return safe.isEmpty() || safe.equals(".") ? "_" : safe;
    }

    /** The generator a result's definition names (definitions before EMA existed are the raw generator's). */
    public static GeneratorChoice generatorOf(String definition) {
        return definition.endsWith(EMA_SUFFIX) ? GeneratorChoice.EMA : GeneratorChoice.RAW;
    }

    private static final String EMA_SUFFIX = "/generator=" + GeneratorChoice.EMA.specName();

    private static String protocol(String split, int samplesPerClass, long seed, GeneratorChoice generator) {
        return "/" + split + "/n=" + (samplesPerClass == 0 ? "class-counts" : String.valueOf(samplesPerClass))
                + "/seed=" + seed + (generator == GeneratorChoice.EMA ? EMA_SUFFIX : "");
    }
}
