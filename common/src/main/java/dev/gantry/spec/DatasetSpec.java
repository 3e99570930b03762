package dev.gantry.spec;

import java.util.Optional;

/**
 * Where training images come from.
 *
 * @param kind fashion-mnist, cifar10 or image-folder
 * @param path a local directory or an s3:// prefix; empty means the kind's default location
 * @param split train or test (IDX and CIFAR datasets)
 * @param channels image channels for image folders (1 = grayscale, 3 = RGB)
 */
public record DatasetSpec(String kind, Optional<String> path, String split, int channels) {
    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String CIFAR10 = "cifar10";
    public static final String IMAGE_FOLDER = "image-folder";
}
