package dev.gantry.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's deploy/k8s and sources are, from the build's gantry.repo or the working directory. */
final class RepoPaths {
    private RepoPaths() {}

    static Path root() {
        String configured = System.getProperty("gantry.repo");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/k8s/base"))) {
                return p;
            }
        }
        throw new IllegalStateException("no deploy/k8s/base above " + start.toAbsolutePath());
    }

    static Path k8s() {
        return root().resolve("deploy/k8s");
    }
}
