package dev.gantry.cluster;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where things live under the coordinator's store root, the one rule every process follows:
 * <pre>
 *   ROOT/experiments/EXPERIMENT/TRIAL/step-00000200/   a checkpoint (MANIFEST + objects)
 *   ROOT/stats/KEY/                                    reference statistics, shared by eval workers
 * </pre>
 * Roots and prefixes always end with '/'.
 */
public final class ClusterLayout {
    private static final Pattern CHECKPOINT = Pattern.compile("(.*/)?([^/]+)/step-(\\d{8,})/?$");

    /** A checkpoint's place: the trial directory it is in and its step. */
    public record CheckpointAt(String trialId, long step) {}

    private ClusterLayout() {}

    /** Where an experiment's trials go: {@code ROOT/experiments/EXPERIMENT/}. */
    public static String experimentRoot(String storeRoot, String experimentId) {
        return directory(storeRoot) + "experiments/" + experimentId + "/";
    }

    /** Where reference statistics are shared: {@code ROOT/stats/}. */
    public static String statsRoot(String storeRoot) {
        return directory(storeRoot) + "stats/";
    }

    /** A trial's checkpoints: {@code EXPERIMENT_ROOT/TRIAL/}. */
    public static String trialPrefix(String experimentRoot, String trialId) {
        return directory(experimentRoot) + trialId + "/";
    }

    /** The checkpoint of {@code step} under a trial's prefix: {@code PREFIX/step-%08d/}. */
    public static String checkpointUri(String trialPrefix, long step) {
        if (step < 0) {
            throw new IllegalArgumentException("checkpoint step must be >= 0 (got " + step + ")");
        }
        return directory(trialPrefix) + String.format("step-%08d/", step);
    }

    /** The checkpoint of a trial's step under its experiment's root. */
    public static String checkpointUri(String experimentRoot, String trialId, long step) {
        return checkpointUri(trialPrefix(experimentRoot, trialId), step);
    }

    /** Trial id and step of a checkpoint URI or directory, if it is laid out as gantry writes them. */
    public static Optional<CheckpointAt> parseCheckpoint(String uriOrPath) {
        Matcher m = CHECKPOINT.matcher(uriOrPath);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new CheckpointAt(m.group(2), Long.parseLong(m.group(3))));
    }

    /**
     * Whether {@code uri} is a checkpoint directory laid out by gantry under {@code storeRoot}
     * ({@code ROOT/experiments/EXP/TRIAL/step-N/}), with no "." or ".." segment that could lead
     * out of it: the only URIs retention may delete.
     */
    public static boolean isCheckpointUnder(String storeRoot, String uri) {
        String root = directory(storeRoot) + "experiments/";
        if (!uri.startsWith(root) || parseCheckpoint(uri).isEmpty()) {
            return false;
        }
        String[] rest = uri.substring(root.length()).split("/");
        return rest.length == 3 && java.util.Arrays.stream(rest).noneMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."));
    }

    private static String directory(String prefix) {
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }
}
