package dev.gantry.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the gantry CLI in a fresh JVM, as a user's shell would, and captures what it printed. */
final class GantryProcess {
    record Result(int exitCode, String stdout, String stderr) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private GantryProcess() {}

    static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss4m", "-cp", System.getProperty("java.class.path"), "dev.gantry.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().put("GANTRY_THREADS", "2");
        Path out = workDir.resolve("stdout-" + System.nanoTime());
        Path err = workDir.resolve("stderr-" + System.nanoTime());
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("gantry " + String.join(" ", args) + " did not finish in 10 minutes");
        }
        return new Result(p.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
                java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
    }
}
