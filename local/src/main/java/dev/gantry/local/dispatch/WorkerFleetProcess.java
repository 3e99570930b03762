package dev.gantry.local.dispatch;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The simulated workers as a process of their own ({@link SimulatedWorkerFleet}), run at a lower
 * CPU priority than the broker and the coordinator. In production workers run on machines of
 * their own and cannot take the broker's CPU; on one machine they can, and Kafka's share consumer
 * busy-waits while a heartbeat response is late (the heartbeat timer has expired but the request
 * is still in flight, KAFKA-21031), so hundreds of them starve a broker that is slow to answer,
 * which makes it slower still. With the workers' priority lowered the broker answers first.
 */
final class WorkerFleetProcess implements AutoCloseable {
    /** How much lower the workers' priority is (nice(1)'s scale: 19 is the lowest). */
    static final int NICENESS = 10;

    private final Process process;
    private final Writer commands;
    private final Path log;
    private final boolean lowersPriority;
    private final Thread reader;
    private final AtomicReference<IllegalStateException> failure = new AtomicReference<>();

    private WorkerFleetProcess(Process process, Path log, boolean lowersPriority, SimulatedWorker.Listener listener) {
        this.process = process;
        this.log = log;
        this.lowersPriority = lowersPriority;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.reader = new Thread(() -> read(listener), "simulated-workers-events");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param listener told of every acquisition and announcement, on one reader thread
     * @return the process, with no worker started yet
     */
    static WorkerFleetProcess start(String bootstrap, Map<String, String> client, long segmentMs, Path log,
            SimulatedWorker.Listener listener) throws IOException {
        List<String> command = new ArrayList<>();
        Optional<Path> nice = onPath("nice");
        nice.ifPresent(n -> command.addAll(List.of(n.toString(), "-n", String.valueOf(NICENESS))));
        // The JVM's own warnings (a thread that could not start, a full code cache) go to stdout by
        // default, the channel the bench reads events from: send them to stderr, the log.
        command.addAll(ChildJvm.command(SimulatedWorkerFleet.class, List.of("-Xlog:disable", "-Xlog:all=warning:stderr")));
        command.addAll(List.of("--bootstrap", bootstrap, "--segment-ms", String.valueOf(segmentMs)));
        client.forEach((k, v) -> command.addAll(List.of("--client", k + "=" + v)));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new WorkerFleetProcess(p, log, nice.isPresent(), listener);
    }

    /** Whether the workers run at a lower priority than the broker (nice(1) was found). */
    boolean lowersPriority() {
        return lowersPriority;
    }

    /** Workers sim-{@code from} to sim-({@code to}-1) start and join the share group. */
    void startWorkers(int from, int to) {
        try {
            commands.write("start " + from + " " + to + "\n");
            commands.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the simulated workers' process no longer reads its commands; see " + log, e);
        }
    }

    /** Why the fleet, or one of its workers, stopped before it was asked to, if it did. */
    void checkAlive() {
        if (failure.get() != null) {
            throw failure.get();
        }
        if (!process.isAlive()) {
            throw new IllegalStateException("the simulated workers' process exited with status " + process.exitValue()
                    + "; see " + log);
        }
    }

    /** User plus system CPU time of the whole process. */
    Duration cpu() {
        return process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException(
                "this system does not report a process's CPU time"));
    }

    private void read(SimulatedWorker.Listener listener) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                SimulatedWorkerFleet.Event event = SimulatedWorkerFleet.parse(line);
                if (event instanceof SimulatedWorkerFleet.Acquired a) {
                    listener.acquired(a.acquisition());
                } else if (event instanceof SimulatedWorkerFleet.Announced a) {
                    listener.announced(a.trialId(), a.step(), a.atMs());
                } else if (event instanceof SimulatedWorkerFleet.Failed f) {
                    failure.compareAndSet(null, new IllegalStateException("simulated worker " + f.workerId() + " failed: "
                            + f.reason() + "; see " + log));
                }
            }
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, new IllegalStateException("handling the simulated workers' events: " + e
                    + "; see " + log, e));
        }
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Every worker leaves (the process closes their clients), then the process ends. */
    @Override
    public void close() throws InterruptedException {
        try {
            commands.write("stop\n");
            commands.close();
        } catch (IOException e) {
            // already gone: nothing to stop
        }
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        reader.join(10_000);
    }
}
