package dev.gantry.local.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dispatch bench on the embedded broker with the real coordinator process: a few workers, a
 * few dozen tasks. Checks what the run did, never how fast (speed belongs to the bench's output).
 */
class DispatchBenchTest {
    @TempDir
    Path dir;

    @Test
    void everySegmentOfEveryTrialIsDispatchedAndEachTrialReachesItsLastStep() throws Exception {
        // 5 workers, 2 trials each, 4 segments per trial: 40 tasks, the first 10 published by the
        // submission and each of the other 30 only after the previous segment's checkpoint event.
        DispatchBench.Options options = new DispatchBench.Options(5, 2, 4, 0, dir, Map.of(), Map.of(),
                Duration.ofMinutes(5));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DispatchResult r = DispatchBench.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));

        assertEquals(40, r.tasks(), "every segment of every trial was acquired");
        assertEquals(0, r.unexpected(), "no task other than the trials' segments");
        assertEquals(0, r.republished(), "no task was published twice (a duplicated event must not schedule again)");
        assertEquals(10, r.trialsDone(), "every trial DONE at its last step on trial-state");
        assertEquals(30 + 10 + r.duplicates(), r.latency().count() + r.firstWave().count(),
                "a latency for every acquisition: " + r.latency() + ", " + r.firstWave());
        assertTrue(r.latency().p50() <= r.latency().p99() && r.latency().p99() <= r.latency().max(), r.latency().toString());
        assertTrue(r.coordinatorCpuSeconds() > 0, "the coordinator process's CPU time was read");
        assertTrue(r.workersCpuSeconds() > 0, "the simulated workers' process's CPU time was read");
        String header = DispatchResult.header().lines().findFirst().orElseThrow();
        assertEquals(header.chars().filter(c -> c == '|').count(), r.row().chars().filter(c -> c == '|').count(),
                "a row has a cell per column: " + r.row());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("5 simulated workers in the share group"), log.toString());
    }

    @Test
    void theWorkersProcessEventsReadBackAsWritten() {
        for (SimulatedWorkerFleet.Event e : List.of(
                new SimulatedWorkerFleet.Acquired(new SimulatedWorker.Acquisition("t-1", "trial-1", 20, 1000, 1250, 2)),
                new SimulatedWorkerFleet.Announced("trial-1", 30, 1300),
                new SimulatedWorkerFleet.Failed("sim-0007", "refused: the group is full"))) {
            assertEquals(e, SimulatedWorkerFleet.parse(SimulatedWorkerFleet.line(e)));
        }
        assertEquals(new SimulatedWorkerFleet.Failed("sim-1", "first second"), SimulatedWorkerFleet.parse(
                SimulatedWorkerFleet.line(new SimulatedWorkerFleet.Failed("sim-1", "first\n\tsecond"))),
                "a multi-line reason stays one line");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimulatedWorkerFleet.parse("acquired\tt-1\tnot-a-number"));
        assertTrue(e.getMessage().contains("acquired\tt-1\tnot-a-number"), "the error names the line: " + e.getMessage());
    }

    @Test
    void badOptionsNameTheirFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DispatchBench.Options(0, 1, 1,
                0, dir, Map.of(), Map.of(), Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("--simulated-workers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DispatchBench.Options(1, 1, 0, 0, dir, Map.of(),
                Map.of(), Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("--sim-segments"), e.getMessage());
    }
}
