package dev.gantry.local.dispatch;

import dev.gantry.client.ExperimentClient;
import dev.gantry.cluster.TaskIds;
import dev.gantry.coordinator.TrialScheduler;
import dev.gantry.local.EmbeddedKafka;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.Messages;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.TopicSetup;
import dev.gantry.transport.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Dispatch at scale on a real broker: the embedded KRaft broker, the real coordinator (its own
 * process) and N {@link SimulatedWorker}s (in a process of their own, at a lower priority) that
 * take training tasks from the share group and commit no-op segments. Evaluation is off, so every
 * task the coordinator publishes is a training segment, published when the previous segment's
 * checkpoint event arrives. Measures tasks dispatched per second, publication-to-acquisition
 * latency and the CPU of each process (coordinator, broker, workers).
 */
public final class DispatchBench {
    /**
     * @param workers simulated workers (share-group members)
     * @param trialsPerWorker trials per worker: 1 keeps every worker busy without a standing backlog,
     *     so the latency is dispatch alone; more keeps a queue, which measures the most that can be dispatched
     * @param segmentsPerTrial segments each trial is long: the run dispatches workers x trialsPerWorker x this many tasks
     * @param segmentMs how long each no-op segment pretends to run
     * @param brokerOverrides broker settings on top of {@link EmbeddedKafka}'s and {@link #PRODUCTION_HEARTBEATS}
     * @param workerClient client settings of the simulated workers' consumers and producers (as GANTRY_KAFKA_* give a real worker)
     * @param timeout the most the run may take once submitted
     */
    public record Options(int workers, int trialsPerWorker, int segmentsPerTrial, long segmentMs, Path dir,
            Map<String, String> brokerOverrides, Map<String, String> workerClient, Duration timeout) {
        public Options {
            if (workers < 1) {
                throw new IllegalArgumentException("--simulated-workers: at least 1 (got " + workers + ")");
            }
            if (trialsPerWorker < 1) {
                throw new IllegalArgumentException("--trials-per-worker: at least 1 (got " + trialsPerWorker + ")");
            }
            if (segmentsPerTrial < 1) {
                throw new IllegalArgumentException("--sim-segments: at least 1 (got " + segmentsPerTrial + ")");
            }
            if (segmentMs < 0) {
                throw new IllegalArgumentException("--segment-ms: 0 or more (got " + segmentMs + ")");
            }
            brokerOverrides = Map.copyOf(brokerOverrides);
            workerClient = Map.copyOf(workerClient);
        }

        public int trials() {
            return workers * trialsPerWorker;
        }
    }

    /** Steps per segment: the value does not matter to dispatch, only that segments end where tasks do. */
    private static final int SEGMENT_STEPS = 10;
    private static final String EXPERIMENT = "dispatch";
    /** CPU seconds of the coordinator process, of this JVM (the broker) and of the workers' process at a moment (epoch ms). */
    private record Sample(long atMs, double coordinatorCpu, double brokerCpu, double workersCpu) {}

    /** Workers started at once, before waiting for them to join. */
    private static final int JOIN_WAVE = 50;
    /**
     * Kafka's own heartbeat and session defaults, instead of the short ones local mode uses to notice
     * a killed worker within seconds: with hundreds of members, heartbeats every second are load a
     * production broker does not carry.
     */
    static final Map<String, String> PRODUCTION_HEARTBEATS = Map.of(
            "group.share.heartbeat.interval.ms", "5000", "group.share.session.timeout.ms", "45000",
            "group.consumer.heartbeat.interval.ms", "5000", "group.consumer.session.timeout.ms", "45000",
            // The one broker is also its own controller: starved of CPU by hundreds of clients (when the
            // simulated workers still shared its JVM), its heartbeat to the controller came late and the
            // controller fenced it (every partition offline, 200 workers never admitted). Fencing the
            // only broker helps nobody.
            "broker.session.timeout.ms", "60000");

    private DispatchBench() {}

    public static DispatchResult run(Options options, PrintStream progress) throws IOException, InterruptedException {
        Files.createDirectories(options.dir());
        String storeRoot = options.dir().resolve("store").toAbsolutePath().normalize() + "/";
        Map<String, String> broker = new HashMap<>(PRODUCTION_HEARTBEATS);
        broker.putAll(options.brokerOverrides());
        TopicSetup.Layout layout = TopicSetup.Layout.singleBroker();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(options.dir().resolve("kafka"), 0, broker)) {
            TopicSetup.ensure(kafka.settings(), layout);
            try (CoordinatorProcess coordinator = CoordinatorProcess.start(kafka.bootstrapServers(), storeRoot,
                    layout.lockDurationMs(), options.dir().resolve("coordinator.log"))) {
                return measure(options, new KafkaSettings(kafka.bootstrapServers(), options.workerClient()), coordinator,
                        progress);
            }
        }
    }

    private static DispatchResult measure(Options options, KafkaSettings kafka, CoordinatorProcess coordinator,
            PrintStream progress) throws IOException, InterruptedException {
        // The coordinator first: hundreds of workers joining at once slow the broker down enough that
        // a coordinator starting then can time out initialising its transactions.
        awaitCoordinator(kafka, coordinator);
        long expected = (long) options.trials() * options.segmentsPerTrial();
        ConcurrentLinkedQueue<SimulatedWorker.Acquisition> acquisitions = new ConcurrentLinkedQueue<>();
        Map<String, AtomicInteger> perTask = new ConcurrentHashMap<>();
        Map<String, Long> announcedAt = new ConcurrentHashMap<>();
        CountDownLatch allAcquired = new CountDownLatch(1);
        AtomicInteger distinct = new AtomicInteger();
        AtomicInteger firstSegments = new AtomicInteger();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicReference<Supplier<Duration>> fleetCpu = new AtomicReference<>(() -> Duration.ZERO);
        Supplier<Sample> sample = () -> new Sample(System.currentTimeMillis(), coordinator.cpu().toNanos() / 1e9,
                os.getProcessCpuTime() / 1e9, fleetCpu.get().get().toNanos() / 1e9);
        AtomicReference<Sample> steady = new AtomicReference<>();
        SimulatedWorker.Listener listener = new SimulatedWorker.Listener() {
            @Override
            public void acquired(SimulatedWorker.Acquisition a) {
                acquisitions.add(a);
                if (a.fromStep() == 0 && a.delivery() == 1 && firstSegments.incrementAndGet() == options.trials()) {
                    steady.set(sample.get());  // the submission's burst is out: steady state from here
                }
                if (perTask.computeIfAbsent(a.taskId(), k -> new AtomicInteger()).incrementAndGet() == 1
                        && distinct.incrementAndGet() == expected) {
                    allAcquired.countDown();
                }
            }

            @Override
            public void announced(String trialId, long step, long atMs) {
                announcedAt.putIfAbsent(trialId + "@" + step, atMs);
            }
        };
        try (WorkerFleetProcess fleet = WorkerFleetProcess.start(kafka.bootstrapServers(), options.workerClient(),
                options.segmentMs(), options.dir().resolve("workers.log"), listener)) {
            progress.println(fleet.lowersPriority()
                    ? "  simulated workers: a process of their own at nice " + WorkerFleetProcess.NICENESS
                            + " (as on machines of their own, they yield the CPU to the broker)"
                    : "  simulated workers: a process of their own; no nice(1) on PATH, so at the broker's priority");
            fleetCpu.set(fleet::cpu);
            // In waves: every member that joins a share group changes its epoch and assignment, and
            // hundreds joining in the same second kept a loaded 2-core broker from admitting any of them.
            for (int from = 0; from < options.workers(); from += JOIN_WAVE) {
                int to = Math.min(options.workers(), from + JOIN_WAVE);
                fleet.startWorkers(from, to);
                awaitMembers(kafka, to, fleet, coordinator, progress);
            }
            Sample submitted = sample.get();
            try (ExperimentClient client = new ExperimentClient(kafka)) {
                client.submit(spec(options), "dispatch bench", EXPERIMENT);
            }
            progress.printf("  submitted %d trials x %d segments to %d simulated workers%n", options.trials(),
                    options.segmentsPerTrial(), options.workers());
            long deadline = System.nanoTime() + options.timeout().toNanos();
            while (!allAcquired.await(1, TimeUnit.SECONDS)) {
                coordinator.checkAlive();
                fleet.checkAlive();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(distinct.get() + " of " + expected + " tasks acquired in "
                            + options.timeout().toSeconds() + " s");
                }
            }
            Sample end = sample.get();
            List<SimulatedWorker.Acquisition> all = List.copyOf(acquisitions);
            writeCsv(options.dir().resolve("acquisitions.csv"), all);
            // Rates over the steady state (after every trial's first task was taken), or the whole run
            // when trials are one segment long.
            Sample from = options.segmentsPerTrial() > 1 && steady.get() != null ? steady.get() : submitted;
            long last = all.stream().mapToLong(SimulatedWorker.Acquisition::acquiredAtMs).max().orElseThrow();
            long inWindow = all.stream().filter(a -> a.acquiredAtMs() > from.atMs() && a.delivery() == 1).count();
            double seconds = (last - from.atMs()) / 1000.0;
            int done = trialsDone(kafka, options.trials(), Duration.ofSeconds(60));
            Set<String> expectedIds = expectedTaskIds(options);
            long unexpected = perTask.keySet().stream().filter(id -> !expectedIds.contains(id)).count();
            long republished = all.stream().filter(a -> a.delivery() == 1)
                    .collect(Collectors.groupingBy(SimulatedWorker.Acquisition::taskId, Collectors.counting()))
                    .values().stream().filter(c -> c > 1).count();
            coordinator.checkAlive();
            fleet.checkAlive();  // a failure after the last acquisition (e.g. reading the fleet's events) still counts
            return new DispatchResult(options.workers(), options.trials(), options.segmentsPerTrial(), distinct.get(),
                    all.size() - distinct.get(), unexpected, republished, done, inWindow, seconds,
                    DispatchResult.Latency.of(latencies(all, true)), DispatchResult.Latency.of(latencies(all, false)),
                    DispatchResult.Latency.of(reactions(all, announcedAt)),
                    end.coordinatorCpu() - from.coordinatorCpu(), end.brokerCpu() - from.brokerCpu(),
                    end.workersCpu() - from.workersCpu(), os.getSystemLoadAverage());
        }
    }

    /** Every acquisition, for looking into a run afterwards (e.g. which tasks came twice, and when). */
    private static void writeCsv(Path file, List<SimulatedWorker.Acquisition> all) {
        StringBuilder csv = new StringBuilder("task,trial,from_step,published_ms,acquired_ms,delivery\n");
        for (SimulatedWorker.Acquisition a : all) {
            csv.append(a.taskId()).append(',').append(a.trialId()).append(',').append(a.fromStep()).append(',')
                    .append(a.publishedAtMs()).append(',').append(a.acquiredAtMs()).append(',').append(a.delivery())
                    .append('\n');
        }
        try {
            Files.writeString(file, csv);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The coordinator's part: from a segment's checkpoint event being on the broker to the next
     * segment's task record being created (the record timestamp, taken when the coordinator sends it).
     */
    private static List<Long> reactions(List<SimulatedWorker.Acquisition> all, Map<String, Long> announcedAt) {
        List<Long> out = new ArrayList<>();
        for (SimulatedWorker.Acquisition a : all) {
            Long at = a.fromStep() > 0 ? announcedAt.get(a.trialId() + "@" + a.fromStep()) : null;
            if (at != null && a.delivery() == 1) {
                out.add(a.publishedAtMs() - at);
            }
        }
        return out;
    }

    private static List<Long> latencies(List<SimulatedWorker.Acquisition> all, boolean continuations) {
        return all.stream().filter(a -> (a.fromStep() > 0) == continuations)
                .map(a -> a.acquiredAtMs() - a.publishedAtMs()).toList();
    }

    /** The tasks the run must dispatch: every segment of every trial, as the coordinator names them. */
    static Set<String> expectedTaskIds(Options options) {
        Set<String> ids = new HashSet<>();
        for (int t = 0; t < options.trials(); t++) {
            for (long s = 0; s < options.segmentsPerTrial(); s++) {
                ids.add(TaskIds.segment(TrialScheduler.trialId(EXPERIMENT, t), s * SEGMENT_STEPS, (s + 1) * SEGMENT_STEPS));
            }
        }
        return ids;
    }

    /** A trial per seed, evaluation off: every task is a training segment. */
    static String spec(Options options) {
        String seeds = IntStream.range(0, options.trials()).mapToObj(String::valueOf).collect(Collectors.joining(", "));
        return """
                name: dispatch-bench
                dataset: {kind: fashion-mnist}
                model: {imageSize: 32, zDim: 64, generator: {channels: 8, attention: [16]}, discriminator: {channels: 8, attention: [16]}}
                training: {seed: 1, steps: %d, batchSize: 32}
                experiment:
                  seeds: [%s]
                  segmentSteps: %d
                  evaluation: {everySteps: 0, finalStep: false}
                """.formatted((long) SEGMENT_STEPS * options.segmentsPerTrial(), seeds, SEGMENT_STEPS);
    }

    /**
     * Until every worker is a member of the share group, so that the run measures dispatch and not
     * joining. A broker's group.share.max.size caps the members: past it, workers fail to join.
     */
    private static void awaitMembers(KafkaSettings kafka, int workers, WorkerFleetProcess fleet,
            CoordinatorProcess coordinator, PrintStream progress) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        int members = 0;
        String unanswered = null;
        try (Admin admin = Admin.create(kafka.properties(Map.of("client.id", "dispatch-bench")))) {
            while (true) {
                coordinator.checkAlive();
                fleet.checkAlive();
                try {
                    members = admin.describeShareGroups(List.of(Topics.TRAIN_WORKERS)).all().get(30, TimeUnit.SECONDS)
                            .get(Topics.TRAIN_WORKERS).members().size();
                    unanswered = null;
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    unanswered = e.getCause() != null ? e.getCause().toString() : e.toString();  // e.g. no group yet
                }
                if (members >= workers) {
                    progress.printf("  %d simulated workers in the share group %s%n", members, Topics.TRAIN_WORKERS);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(unanswered != null
                            ? "the broker did not describe " + Topics.TRAIN_WORKERS + " for 120 s while " + workers
                                    + " simulated workers joined (last seen: " + members + " members): " + unanswered
                            : "only " + members + " of " + workers + " simulated workers joined " + Topics.TRAIN_WORKERS
                                    + " in 120 s (is the broker's group.share.max.size below " + workers + "?)");
                }
                Thread.sleep(500);  // polling the group's size, not waiting for an event
            }
        }
    }

    /** Until the coordinator's consumer is a member of its group: it reads its inputs from then on. */
    private static void awaitCoordinator(KafkaSettings kafka, CoordinatorProcess coordinator) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Admin admin = Admin.create(kafka.properties(Map.of("client.id", "dispatch-bench")))) {
            while (true) {
                coordinator.checkAlive();
                try {
                    if (!admin.describeConsumerGroups(List.of(Topics.COORDINATOR)).all().get(30, TimeUnit.SECONDS)
                            .get(Topics.COORDINATOR).members().isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not there yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the coordinator did not join its consumer group within 120 s");
                }
                Thread.sleep(500);  // polling the group, not waiting for an event
            }
        }
    }

    /** Follows trial-state until every trial is DONE at its last step, or {@code limit} passes; how many are. */
    private static int trialsDone(KafkaSettings kafka, int trials, Duration limit) {
        Map<String, TrialState> latest = new HashMap<>();
        long deadline = System.nanoTime() + limit.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = TopicReplay.fromBeginning(kafka, "dispatch-bench-states",
                List.of(Topics.TRIAL_STATE))) {
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    TrialState s = Messages.decode(r, TrialState.parser(), "TrialState");
                    latest.put(s.getTrial().getTrialId(), s);
                });
                long done = latest.values().stream().filter(s -> s.getPhase() == TrialState.Phase.DONE
                        && s.getStep() == s.getTotalSteps()).count();
                if (done == trials) {
                    return trials;
                }
            }
        }
        return (int) latest.values().stream().filter(s -> s.getPhase() == TrialState.Phase.DONE
                && s.getStep() == s.getTotalSteps()).count();
    }
}
