package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.coordinator.SchedulerSimulation;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.local.LocalCluster;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.SpecLoader;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.Topics;
import dev.gantry.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "runtime", mixinStandardHelpOptions = true,
        description = {"Measure the distributed runtime: utilisation, hand-off gap, eval latency, scheduler scale.",
                "Runs a local cluster (real Kafka, S3Mock, worker processes), then a coordinator scale simulation",
                "(many trials, many no-op workers, scheduler only)."},
        footer = {"", "Example:", "  gantry bench runtime --train-workers 2 --trials 2 --steps 300 --segment 50"})
final class BenchRuntimeCommand implements Callable<Integer> {
    @Option(names = "--train-workers", defaultValue = "2")
    int trainWorkers;

    @Option(names = "--trials", defaultValue = "2")
    int trials;

    @Option(names = "--steps", defaultValue = "300", description = "steps per trial (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--segment", defaultValue = "50", description = "steps per segment (default: ${DEFAULT-VALUE})")
    long segment;

    @Option(names = "--sim-trials", defaultValue = "10000")
    int simTrials;

    @Option(names = "--sim-workers", defaultValue = "1000")
    int simWorkers;

    @Option(names = "--skip-cluster", description = "only run the scheduler simulation")
    boolean skipCluster;

    @Override
    public Integer call() throws Exception {
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

    private void cluster(String yaml) throws Exception {
        Path dir = Files.createTempDirectory("gantry-bench-runtime");
        Path net = FeaturenetCommand.defaultDir();
        if (!Files.isRegularFile(net.resolve(FashionFeatureNet.WEIGHTS))) {
            System.err.println("run 'gantry featurenet train' first (eval latency needs fmnist-cnn-v1)");
        }
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / trainWorkers);
        System.out.printf("local cluster: %d training worker(s) x %d thread(s), 1 eval worker; %d trial(s) x %d steps in "
                + "%d-step segments%n", trainWorkers, threads, trials, steps, segment);
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(dir, true, threads, net,
                WorkerSettings.defaultCacheDir(), 15_000, List.of()))) {
            for (int i = 0; i < trainWorkers; i++) {
                cluster.addTrainWorker();
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

    private static String stats(List<Double> values) {
        if (values.isEmpty()) {
            return "(none)";
        }
        List<Double> s = values.stream().sorted().toList();
        return String.format(Locale.ROOT, "n=%d, median %.3f s, max %.3f s", s.size(), s.get(s.size() / 2),
                s.get(s.size() - 1));
    }
}
