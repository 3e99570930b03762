package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.config.ExitException;
import dev.gantry.coordinator.SchedulerSimulation;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.local.LocalCluster;
import dev.gantry.local.dispatch.DispatchBench;
import dev.gantry.local.dispatch.DispatchResult;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.SpecLoader;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.Topics;
import dev.gantry.worker.TrainingWorker;
import dev.gantry.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "runtime", mixinStandardHelpOptions = true,
        description = {"Measure the distributed runtime: utilisation, hand-off gap, eval latency, scheduler scale.",
                "Runs a local cluster (real Kafka, S3Mock, worker processes), then a coordinator scale simulation",
                "(many trials, many no-op workers, scheduler only)."},
        footer = {"", "Examples:", "  gantry bench runtime --train-workers 2 --trials 2 --steps 300 --segment 50",
                "  gantry bench runtime --simulated-workers 50,200,500 --sim-segments 10"})
final class BenchRuntimeCommand implements Callable<Integer> {
    @Option(names = "--train-workers", defaultValue = "2")
    int trainWorkers;

    @Option(names = "--trials", defaultValue = "2")
    int trials;

    @Option(names = "--steps", defaultValue = "300", description = "steps per trial (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--segment", defaultValue = "50", description = "steps per segment (default: ${DEFAULT-VALUE})")
    long segment;

    @Option(names = "--warm", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"training workers prepare for the spec (data set, a few throwaway steps) before their first",
                    "task, as 'gantry worker train --warm' does; the time it took is printed (default: ${DEFAULT-VALUE})"})
    boolean warm;

    @Option(names = "--sim-trials", defaultValue = "10000")
    int simTrials;

    @Option(names = "--sim-workers", defaultValue = "1000")
    int simWorkers;

    @Option(names = "--skip-cluster", description = "only run the scheduler simulation")
    boolean skipCluster;

    @Option(names = "--simulated-workers", split = ",", paramLabel = "N[,N...]",
            description = {"dispatch on a real broker instead: the embedded broker, the real coordinator and N share-group",
                    "consumers that commit no-op segments; one run per N, e.g. 50,200,500"})
    List<Integer> simulatedWorkers;

    @Option(names = "--trials-per-worker", defaultValue = "1",
            description = "dispatch runs: trials per simulated worker (1: no standing backlog; default: ${DEFAULT-VALUE})")
    int trialsPerWorker;

    @Option(names = "--sim-segments", defaultValue = "10",
            description = "dispatch runs: segments per trial (default: ${DEFAULT-VALUE})")
    int simSegments;

    @Option(names = "--segment-ms", defaultValue = "0",
            description = "dispatch runs: how long a no-op segment pretends to run (default: ${DEFAULT-VALUE})")
    long segmentMs;

    @Option(names = "--broker", paramLabel = "KEY=VALUE",
            description = "dispatch runs: a setting of the embedded broker (repeatable)")
    Map<String, String> broker = new LinkedHashMap<>();

    @Option(names = "--worker-client", paramLabel = "KEY=VALUE",
            description = "dispatch runs: a Kafka client setting of the simulated workers (repeatable)")
    Map<String, String> workerClient = new LinkedHashMap<>();

    @Option(names = "--keep-dirs", description = "dispatch runs: keep each run's directory (broker log, coordinator.log, workers.log, acquisitions.csv)")
    boolean keepDirs;

    @Option(names = "--sim-timeout", defaultValue = "10m",
            description = "dispatch runs: the most one run may take after submission (default: ${DEFAULT-VALUE})")
    String simTimeout;

    @Override
    public Integer call() throws Exception {
        if (simulatedWorkers != null) {
            return dispatch();
        }
        String yaml = """
                name: bench-runtime
                dataset: {kind: fashion-mnist}
                model: {imageSize: 32, zDim: 64, generator: {channels: 8, attention: [16]}, discriminator: {channels: 8, attention: [16]}}
                training: {seed: 1, steps: %d, batchSize: 32}
                experiment:
                  seeds: [%s]
                  segmentSteps: %d
                  evaluation: {everySteps: %d, finalStep: true, samplesPerClass: 50}
                """.formatted(steps, java.util.stream.IntStream.range(0, trials).mapToObj(String::valueOf)
                .collect(Collectors.joining(", ")), segment, Math.max(segment, steps / 2));
        if (!skipCluster) {
            cluster(yaml);
        }
        System.out.printf("%ncoordinator scale simulation: %d trials, %d simulated workers with no-op segments (3 each)%n",
                simTrials, simWorkers);
        SchedulerSimulation.Result r = SchedulerSimulation.run(yaml, SpecLoader.parse(yaml, "bench"), simTrials,
                simWorkers, 3);
        System.out.printf(Locale.ROOT, "  %d scheduling decisions in %.2f s: p50 %.1f us, p99 %.1f us, max %.1f us "
                + "(scheduler only; Kafka round trips are in the hand-off gap above)%n", r.segments(), r.seconds(),
                r.p50Micros(), r.p99Micros(), r.maxMicros());
        return 0;
    }

    /** One dispatch run per worker count, each on a fresh broker and coordinator; a table at the end. */
    private int dispatch() throws Exception {
        Duration timeout = ChaosCommand.DurationOption.parse("--sim-timeout", simTimeout);
        List<DispatchBench.Options> runs = new ArrayList<>();
        for (int n : simulatedWorkers) {
            try {
                runs.add(new DispatchBench.Options(n, trialsPerWorker, simSegments, segmentMs,
                        Path.of(System.getProperty("java.io.tmpdir"), "gantry-bench-dispatch-" + n + "-" + System.nanoTime()),
                        broker, workerClient, timeout));
            } catch (IllegalArgumentException e) {
                throw ExitException.badInput(e.getMessage());
            }
        }
        List<DispatchResult> results = new ArrayList<>();
        for (DispatchBench.Options o : runs) {
            System.out.printf("dispatch: %d simulated workers, %d trials x %d segments, %d ms segments (%s)%n",
                    o.workers(), o.trials(), o.segmentsPerTrial(), o.segmentMs(), o.dir());
            DispatchResult r = DispatchBench.run(o, System.out);
            System.out.println(DispatchResult.header().lines().findFirst().orElseThrow());
            System.out.println(r.row());
            results.add(r);
            if (r.clean() && !keepDirs) {
                deleteQuietly(o.dir());
            } else {
                System.out.println("  kept for a look: " + o.dir() + " (acquisitions.csv, coordinator.log, workers.log)");
            }
        }
        System.out.printf("%nDispatch on a real broker (embedded KRaft broker in this JVM, the coordinator and the simulated "
                + "workers processes of their own, the workers at a lower priority where nice(1) is found; latency from a task record's timestamp "
                + "to its acquisition):%n%n");
        System.out.println(DispatchResult.header());
        results.forEach(r -> System.out.println(r.row()));
        return results.stream().allMatch(DispatchResult::clean) ? 0 : 1;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }

    private void cluster(String yaml) throws Exception {
        Path dir = Files.createTempDirectory("gantry-bench-runtime");
        Path net = FeaturenetCommand.defaultDir();
        if (!Files.isRegularFile(net.resolve(FashionFeatureNet.WEIGHTS))) {
            System.err.println("run 'gantry featurenet train' first (eval latency needs fmnist-cnn-v1)");
        }
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / trainWorkers);
        System.out.printf("local cluster: %d training worker(s) x %d thread(s), 1 eval worker; %d trial(s) x %d steps in "
                + "%d-step segments%n", trainWorkers, threads, trials, steps, segment);
        Path spec = Files.writeString(dir.resolve("bench-runtime.yaml"), yaml);
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(dir, true, threads, net,
                WorkerSettings.defaultCacheDir(), 15_000, List.of()))) {
            for (int i = 0; i < trainWorkers; i++) {
                if (warm) {
                    cluster.addTrainWorker(spec);
                } else {
                    cluster.addTrainWorker();
                }
            }
            cluster.addEvalWorker();
            String id;
            List<TrialState> done;
            try (ExperimentClient client = new ExperimentClient(cluster.kafka());
                    ClusterView view = new ClusterView(cluster.kafka())) {
                id = client.submit(yaml, "bench", null);
                done = new LiveView(view, id, System.err).follow(Duration.ofHours(2), () -> { });
                List<EvaluationResult> results = done.stream().flatMap(t -> view.catchUp()
                        .results(t.getTrial().getTrialId()).stream()).toList();
                report(events(cluster, id), results);
            }
            if (warm) {
                System.out.println("training workers' preparation before their first task (--warm): "
                        + warmUpLines(cluster.logs()));
            }
        }
    }

    private static List<CheckpointEvent> events(LocalCluster cluster, String experimentId) {
        List<CheckpointEvent> events = new ArrayList<>();
        TopicReplay.replay(cluster.kafka(), "gantry-bench", List.of(Topics.CHECKPOINT_EVENTS), r -> {
            try {
                CheckpointEvent e = CheckpointEvent.parseFrom(r.value());
                if (e.getTrial().getExperimentId().equals(experimentId) && !e.getAlreadyCommitted()) {
                    events.add(e);
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
                // not ours to judge here
            }
        });
        return events;
    }

    private static void report(List<CheckpointEvent> events, List<EvaluationResult> results) {
        double training = events.stream().mapToDouble(CheckpointEvent::getTrainingSeconds).sum();
        double wall = events.stream().mapToDouble(CheckpointEvent::getSegmentSeconds).sum();
        List<Double> perSegment = events.stream().map(e -> e.getTrainingSeconds() / e.getSegmentSeconds()).sorted().toList();
        System.out.printf(Locale.ROOT, "%nworker utilisation (time in training steps / segment wall time): %.4f over %d "
                + "segments (worst segment %.4f, median %.4f; target >= 0.98)%n", training / wall, events.size(),
                perSegment.get(0), perSegment.get(perSegment.size() / 2));
        List<Double> sameWorker = new ArrayList<>();
        List<Double> otherWorker = new ArrayList<>();
        events.stream().collect(Collectors.groupingBy(e -> e.getTrial().getTrialId())).values().forEach(list -> {
            list.sort(Comparator.comparingLong(e -> e.getCheckpoint().getStep()));
            for (int i = 1; i < list.size(); i++) {
                double gap = (list.get(i).getTaskReceivedAtMs() - list.get(i - 1).getCommittedAtMs()) / 1000.0;
                (list.get(i).getWorkerId().equals(list.get(i - 1).getWorkerId()) ? sameWorker : otherWorker).add(gap);
            }
        });
        System.out.println("hand-off gap (checkpoint committed -> next segment's task received by a worker):");
        System.out.println("  next segment on another worker: " + stats(otherWorker));
        System.out.println("  next segment on the same worker: " + stats(sameWorker));
        List<Double> latency = results.stream().map(r -> (r.getComputedAtMs() - r.getRequestedAtMs()) / 1000.0).toList();
        List<Double> compute = results.stream().map(EvaluationResult::getSeconds).toList();
        System.out.println("eval latency (checkpoint committed -> result published): " + stats(latency));
        System.out.println("  of which computing FID and intra-FID: " + stats(compute));
    }

    /** What each training worker logged about its warm-up. */
    private static String warmUpLines(Path logs) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        try (var files = Files.list(logs)) {
            for (Path log : files.filter(f -> f.getFileName().toString().startsWith("train-")).sorted().toList()) {
                Files.readAllLines(log).stream().filter(l -> l.contains(TrainingWorker.WARMED_UP))
                        .map(l -> log.getFileName() + ": " + l.substring(l.indexOf(TrainingWorker.WARMED_UP)))
                        .forEach(lines::add);
            }
        }
        return lines.isEmpty() ? "(none logged)" : "\n  " + String.join("\n  ", lines);
    }

    private static String stats(List<Double> values) {
        if (values.isEmpty()) {
            return "(none)";
        }
        List<Double> s = values.stream().sorted().toList();
        return String.format(Locale.ROOT, "n=%d, median %.3f s, max %.3f s", s.size(), s.get(s.size() / 2),
                s.get(s.size() - 1));
    }
}
