package dev.gantry.data;

import dev.gantry.spec.DatasetSpec;
import java.nio.file.Path;

/** Opens the dataset a spec names, at the model's image size. */
public final class Datasets {
    private Datasets() {}

    /** @param downloadDir where Fashion-MNIST may be downloaded when not installed; null never downloads */
    public static LabeledImages open(DatasetSpec spec, int imageSize, Path downloadDir) {
        Path path = spec.path().map(Datasets::localPath).orElse(null);
        return switch (spec.kind()) {
            case DatasetSpec.FASHION_MNIST -> FashionMnist.load(path, spec.split(), imageSize, downloadDir);
            case DatasetSpec.CIFAR10 -> {
                if (path == null) {
                    throw new DatasetException("dataset.path: required for cifar10 (the cifar-10-batches-bin directory)");
                }
                yield Cifar10.load(path, spec.split(), imageSize);
            }
            case DatasetSpec.IMAGE_FOLDER -> ImageFolder.load(path, spec.channels(), imageSize);
            default -> throw new DatasetException("dataset.kind: unknown kind " + spec.kind());
        };
    }

    private static Path localPath(String p) {
        if (p.startsWith("s3://")) {
            throw new DatasetException("dataset.path " + p + ": S3 prefixes are read by workers with a configured "
                    + "object store; single-process commands need a local directory");
        }
        return Path.of(p);
    }
}
