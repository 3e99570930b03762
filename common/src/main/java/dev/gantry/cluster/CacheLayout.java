package dev.gantry.cluster;

import dev.gantry.failure.BadTaskException;
import java.nio.file.Path;

/**
 * A machine's local cache (default {@code ~/.cache/gantry}), shared by the CLI and the workers:
 * <pre>
 *   datasets/fashion-mnist/      downloaded data sets (where no Debian package provides them)
 *   stats/KEY/                   reference statistics (class-*.npz, all.npz last)
 *   featurenets/fmnist-cnn-v1/   gantry's own feature network
 *   inception/                   Inception TorchScript files fetched from s3:// or https://
 * </pre>
 */
public record CacheLayout(Path root) {
    public static CacheLayout defaultLocation() {
        return new CacheLayout(Path.of(System.getProperty("user.home"), ".cache", "gantry"));
    }

    /** The given directory, or the default when null. */
    public static CacheLayout at(Path rootOrNull) {
        return rootOrNull != null ? new CacheLayout(rootOrNull) : defaultLocation();
    }

    public Path fashionMnistDownloads() {
        return root.resolve("datasets").resolve("fashion-mnist");
    }

    public Path statistics() {
        return root.resolve("stats");
    }

    public Path featureNet(String extractorId) {
        return root.resolve("featurenets").resolve(extractorId);
    }

    public Path inceptionFiles() {
        return root.resolve("inception");
    }

    /**
     * {@code dir/name} for a name that came from outside (an object key listed in a store): one
     * plain path segment, never "..", a separator or an absolute path that would lead out of
     * {@code dir}.
     */
    public static Path fileIn(Path dir, String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                || name.indexOf('\0') >= 0) {
            throw new BadTaskException("refusing to write '" + name + "' into " + dir + ": not a plain file name");
        }
        Path target = dir.resolve(name).normalize();
        if (!target.getParent().equals(dir.normalize())) {
            throw new BadTaskException("refusing to write '" + name + "' into " + dir + ": it leads outside");
        }
        return target;
    }
}
