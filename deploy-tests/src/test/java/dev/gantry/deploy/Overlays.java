package dev.gantry.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** Every overlay under deploy/k8s/overlays, each rendered once per test run. */
final class Overlays {
    private static final Map<String, Rendered> RENDERED = new ConcurrentHashMap<>();
    private static Kustomize kustomize;

    private Overlays() {}

    static List<String> names() {
        try (Stream<Path> dirs = Files.list(RepoPaths.k8s().resolve("overlays"))) {
            List<String> names = dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) {
                throw new IllegalStateException("no overlays under " + RepoPaths.k8s().resolve("overlays"));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Rendered rendered(String overlay) {
        return RENDERED.computeIfAbsent(overlay, o -> Rendered.of(kustomize(), RepoPaths.k8s().resolve("overlays").resolve(o)));
    }

    private static synchronized Kustomize kustomize() {
        if (kustomize == null) {
            kustomize = Kustomize.find();
        }
        return kustomize;
    }
}
