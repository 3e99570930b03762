package dev.gantry.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a kustomization with {@code kubectl kustomize}, the renderer users run. kubectl is
 * required, never optional: without it these tests fail with the way to install it, so a
 * machine without kubectl cannot pass them by skipping.
 */
final class Kustomize {
    static final String INSTALL_HINT = "install kubectl with kustomize v5 built in (kubectl 1.27 or later): "
            + "scripts/install-deps.sh --kubectl, or set KUBECTL to its path";
    /** The manifests use kustomize 5 features (labels without selectors, configMapGenerator merge). */
    private static final int MIN_KUSTOMIZE_MAJOR = 5;

    private final Path kubectl;

    private Kustomize(Path kubectl) {
        this.kubectl = kubectl;
    }

    static Kustomize find() {
        String explicit = System.getenv("KUBECTL");
        Path found = explicit != null && !explicit.isBlank() ? Path.of(explicit) : onPath("kubectl");
        if (found == null || !Files.isExecutable(found)) {
            fail("kubectl not found " + (explicit != null ? "at KUBECTL=" + explicit : "on PATH") + "; " + INSTALL_HINT);
        }
        Kustomize k = new Kustomize(found);
        k.requireKustomizeVersion();
        return k;
    }

    /** The rendered multi-document YAML of {@code dir}. */
    String render(Path dir) {
        return run(List.of(kubectl.toString(), "kustomize", dir.toString()));
    }

    private void requireKustomizeVersion() {
        String version = run(List.of(kubectl.toString(), "version", "--client"));
        Matcher m = Pattern.compile("Kustomize Version: v(\\d+)\\.").matcher(version);
        if (!m.find() || Integer.parseInt(m.group(1)) < MIN_KUSTOMIZE_MAJOR) {
            fail(kubectl + " has no kustomize v" + MIN_KUSTOMIZE_MAJOR + "+ built in (" + version.trim() + "); " + INSTALL_HINT);
        }
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                fail(String.join(" ", command) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            return fail(String.join(" ", command) + ": " + e.getMessage() + "; " + INSTALL_HINT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted: " + String.join(" ", command));
        }
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
