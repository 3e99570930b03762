package dev.gantry.local.dispatch;

import dev.gantry.coordinator.CoordinatorCommand;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real coordinator ({@code gantry coordinator}) as a process of its own, as in production, so
 * that its CPU time is its own: the broker runs in the bench's JVM, the simulated workers in a
 * process of their own ({@link WorkerFleetProcess}).
 */
final class CoordinatorProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private CoordinatorProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static CoordinatorProcess start(String bootstrap, String storeRoot, int lockMs, Path log) throws IOException {
        List<String> command = ChildJvm.command(CoordinatorCommand.class,
                List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=info"));
        command.addAll(List.of("--bootstrap", bootstrap, "--store", storeRoot, "--lock-ms", String.valueOf(lockMs)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new CoordinatorProcess(p, log);
    }

    /** User plus system CPU time of the whole process (every thread: loop, Kafka clients, GC, JIT). */
    Duration cpu() {
        return process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException(
                "this system does not report a process's CPU time"));
    }

    /** Why the coordinator is gone, when it is. */
    void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the coordinator exited with status " + process.exitValue() + "; see " + log);
        }
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
