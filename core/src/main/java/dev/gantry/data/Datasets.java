package dev.gantry.data;

import dev.gantry.spec.DatasetSpec;
import dev.gantry.storage.ObjectStore;
import dev.gantry.storage.StoreUri;
import java.nio.file.Path;

/** Opens the dataset a spec names, at the model's image size. */
public final class Datasets {
    private Datasets() {}

    /** @param downloadDir where Fashion-MNIST may be downloaded when not installed; null never downloads */
    public static LabeledImages open(DatasetSpec spec, int imageSize, Path downloadDir) {
        Path path = spec.path().map(Datasets::localPath).orElse(null);
        if (path == null && spec.path().isPresent() && !DatasetSpec.IMAGE_FOLDER.equals(spec.kind())) {
            throw new DatasetException("dataset.path " + spec.path().get() + ": only image-folder datasets can be read "
                    + "from S3; " + spec.kind() + " needs a local directory");
        }
        return switch (spec.kind()) {
            case DatasetSpec.FASHION_MNIST -> FashionMnist.load(path, spec.split(), imageSize, downloadDir);
            case DatasetSpec.CIFAR10 -> {
                if (path == null) {
                    throw new DatasetException("dataset.path: required for cifar10 (the cifar-10-batches-bin directory)");
                }
                yield Cifar10.load(path, spec.split(), imageSize);
            }
            case DatasetSpec.IMAGE_FOLDER -> imageFolder(spec, imageSize);
            default -> throw new DatasetException("dataset.kind: unknown kind " + spec.kind());
        };
    }

    private static LabeledImages imageFolder(DatasetSpec spec, int imageSize) {
        StoreUri uri = StoreUri.parse(spec.path().orElseThrow());
        if (!uri.isS3()) {
            return ImageFolder.load(uri.localRoot(), spec.channels(), imageSize);
        }
        try (ObjectStore store = uri.open()) {
            return ImageFolder.load(store, uri.prefix(), spec.channels(), imageSize);
        }
    }

    private static Path localPath(String p) {
        if (p.startsWith("s3://")) {
            // only image folders are read from object stores; the Fashion-MNIST and CIFAR-10 files are local
            return null;
        }
        return Path.of(p);
    }
}
