package dev.gantry.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The project's own image, built by Testcontainers from docker/Dockerfile with the jars this
 * build produced. Base image: $GANTRY_BASE_IMAGE, else $OFFLINE_JRE_IMAGE (the offline stand-in,
 * which needs the host's C++ runtime copied in), else the Dockerfile's default.
 */
final class GantryImage {
    private static ImageFromDockerfile image;
    private static ImageFromDockerfile coordinatorImage;

    private GantryImage() {}

    /** The coordinator's own image (docker/Dockerfile.coordinator): the control plane, no engine. */
    static synchronized ImageFromDockerfile coordinator() throws IOException {
        if (coordinatorImage != null) {
            return coordinatorImage;
        }
        Path repo = Path.of(System.getProperty("gantry.repo"));
        Path context = Path.of("target", "coordinator-context").toAbsolutePath();
        Path lib = Files.createDirectories(context.resolve("build/docker/coordinator-lib"));
        copyTree(repo.resolve("coordinator/target/image-lib"), lib);
        try (Stream<Path> jars = Files.list(repo.resolve("coordinator/target"))) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().matches("gantry-coordinator-.*\\.jar")).toList()) {
                Files.copy(jar, lib.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.createDirectories(context.resolve("docker"));
        Files.copy(repo.resolve("docker/Dockerfile.coordinator"), context.resolve("docker/Dockerfile.coordinator"),
                StandardCopyOption.REPLACE_EXISTING);
        ImageFromDockerfile built = new ImageFromDockerfile("gantry-coordinator-system-test", false)
                .withFileFromPath(".", context).withDockerfilePath("docker/Dockerfile.coordinator");
        String base = System.getenv("GANTRY_BASE_IMAGE") != null ? System.getenv("GANTRY_BASE_IMAGE")
                : System.getenv("OFFLINE_JRE_IMAGE");
        if (base != null) {
            built = built.withBuildArg("BASE_IMAGE", base);
        }
        coordinatorImage = built;
        return coordinatorImage;
    }

    static synchronized ImageFromDockerfile get() throws IOException {
        if (image != null) {
            return image;
        }
        Path repo = Path.of(System.getProperty("gantry.repo"));
        Path context = Path.of("target", "docker-context").toAbsolutePath();
        copyTree(repo.resolve("examples"), context.resolve("examples"));
        Files.createDirectories(context.resolve("docker"));
        Files.copy(repo.resolve("docker/Dockerfile"), context.resolve("docker/Dockerfile"), StandardCopyOption.REPLACE_EXISTING);
        Path datasets = context.resolve("build/docker/datasets/fashion-mnist");
        Files.createDirectories(datasets);
        copyTree(Path.of("/usr/share/datasets/fashion-mnist"), datasets);
        Path cli = repo.resolve("cli/target");
        try (Stream<Path> jars = Files.list(cli)) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().matches("gantry-cli-.*\\.jar")).toList()) {
                Files.copy(jar, context.resolve("build/docker/lib").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path nativeLibs = Files.createDirectories(context.resolve("build/docker/native"));
        String base = System.getenv("GANTRY_BASE_IMAGE");
        if (base == null && System.getenv("OFFLINE_JRE_IMAGE") != null) {
            base = System.getenv("OFFLINE_JRE_IMAGE");
            for (String lib : new String[] {"libstdc++.so.6", "libgcc_s.so.1", "libdl.so.2", "libm.so.6",
                    "libpthread.so.0", "librt.so.1"}) {
                Files.copy(Path.of("/lib/x86_64-linux-gnu", lib), nativeLibs.resolve(lib), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        ImageFromDockerfile built = new ImageFromDockerfile("gantry-system-test", false)
                .withFileFromPath(".", context).withDockerfilePath("docker/Dockerfile");
        if (base != null) {
            built = built.withBuildArg("BASE_IMAGE", base);
        }
        image = built;
        return image;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
