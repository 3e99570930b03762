package dev.gantry.local.dispatch;

import dev.gantry.storage.S3Settings;
import dev.gantry.storage.Stores;
import dev.gantry.transport.KafkaSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The simulated workers' own process (see {@link WorkerFleetProcess}, which starts it). It reads
 * commands on stdin ({@code start FROM TO}: workers sim-FROM to sim-(TO-1) join; {@code stop} or
 * the end of input: every worker leaves) and writes what its workers do to stdout, one event per
 * line, tab-separated, in the format {@link #parse} reads. Kafka's own logging goes to stderr.
 */
public final class SimulatedWorkerFleet {
    static final String ACQUIRED = "acquired";
    static final String ANNOUNCED = "announced";
    static final String FAILED = "failed";

    /** One line of the fleet's output, as the parent reads it. */
    sealed interface Event permits Acquired, Announced, Failed {}

    record Acquired(SimulatedWorker.Acquisition acquisition) implements Event {}

    record Announced(String trialId, long step, long atMs) implements Event {}

    record Failed(String workerId, String reason) implements Event {}

    private SimulatedWorkerFleet() {}

    /**
     * {@code --bootstrap HOST:PORT --segment-ms MS [--client KEY=VALUE]...}; the store's settings
     * come from the environment, as a worker's do.
     */
    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        long segmentMs = 0;
        Map<String, String> client = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[i + 1];
                case "--segment-ms" -> segmentMs = Long.parseLong(args[i + 1]);
                case "--client" -> {
                    String[] kv = args[i + 1].split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("--client " + args[i + 1] + ": expected KEY=VALUE");
                    }
                    client.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (bootstrap == null) {
            throw new IllegalArgumentException("--bootstrap is required");
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        System.setOut(System.err);  // nothing but events on the channel the parent reads
        run(new KafkaSettings(bootstrap, client), segmentMs, out);
        System.exit(0);
    }

    private static void run(KafkaSettings kafka, long segmentMs, PrintStream out) throws Exception {
        AtomicBoolean stopping = new AtomicBoolean();
        SimulatedWorker.Listener listener = new SimulatedWorker.Listener() {
            @Override
            public void acquired(SimulatedWorker.Acquisition a) {
                emit(out, new Acquired(a));
            }

            @Override
            public void announced(String trialId, long step, long atMs) {
                emit(out, new Announced(trialId, step, atMs));
            }
        };
        List<Thread> threads = new ArrayList<>();
        try (Stores stores = new Stores(S3Settings.fromEnvironment());
                BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = commands.readLine(); line != null && !line.equals("stop"); line = commands.readLine()) {
                String[] words = line.trim().split(" ");
                if (words.length != 3 || !words[0].equals("start")) {
                    throw new IllegalArgumentException("unknown command: " + line);
                }
                for (int i = Integer.parseInt(words[1]); i < Integer.parseInt(words[2]); i++) {
                    SimulatedWorker w = new SimulatedWorker(String.format("sim-%04d", i), kafka, stores, segmentMs,
                            stopping, listener);
                    Thread t = new Thread(() -> {
                        w.run();
                        if (w.failure() != null) {
                            System.err.println("simulated worker " + w.id() + " failed:");
                            w.failure().printStackTrace();  // the whole cause chain, in the log
                            emit(out, new Failed(w.id(), w.failure().toString()));
                        }
                    }, w.id());
                    t.setDaemon(true);
                    t.start();
                    threads.add(t);
                }
            }
            // Every worker leaves at once (each closes its own clients): one after another would take minutes.
            stopping.set(true);
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (Thread t : threads) {
                t.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
            }
        }
    }

    private static void emit(PrintStream out, Event event) {
        String line = line(event);
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /** An event as one output line. */
    static String line(Event event) {
        if (event instanceof Acquired e) {
            SimulatedWorker.Acquisition a = e.acquisition();
            return String.join("\t", ACQUIRED, a.taskId(), a.trialId(), String.valueOf(a.fromStep()),
                    String.valueOf(a.publishedAtMs()), String.valueOf(a.acquiredAtMs()), String.valueOf(a.delivery()));
        }
        if (event instanceof Announced e) {
            return String.join("\t", ANNOUNCED, e.trialId(), String.valueOf(e.step()), String.valueOf(e.atMs()));
        }
        Failed f = (Failed) event;
        return String.join("\t", FAILED, f.workerId(), f.reason().replaceAll("[\t\r\n]+", " "));
    }

    /** An output line as an event; anything else (there should be nothing else) is an error naming the line. */
    static Event parse(String line) {
        String[] f = line.split("\t", -1);
        try {
            return switch (f[0]) {
                case ACQUIRED -> new Acquired(new SimulatedWorker.Acquisition(f[1], f[2], Long.parseLong(f[3]),
                        Long.parseLong(f[4]), Long.parseLong(f[5]), Integer.parseInt(f[6])));
                case ANNOUNCED -> new Announced(f[1], Long.parseLong(f[2]), Long.parseLong(f[3]));
                case FAILED -> new Failed(f[1], f[2]);
                default -> throw new IllegalArgumentException("not an event");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the simulated workers' process wrote a line that is no event: " + line, e);
        }
    }
}
