package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.config.ExitException;
import dev.gantry.data.DatasetException;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.local.LocalCluster;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.report.ExperimentResults;
import dev.gantry.report.ReportWriter;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.Stores;
import dev.gantry.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run the whole system on this machine.", subcommands = {LocalCommand.Run.class})
final class LocalCommand extends CommandGroup {

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run an experiment to the end on this machine, with live progress, then report.",
                    "Starts an embedded KRaft Kafka broker, an embedded S3 server (S3Mock) or a directory store, the",
                    "coordinator and the workers (each its own process); prints the results table, writes the report."},
            footer = {"", "Examples:",
                    "  gantry local run examples/fmnist-local.yaml",
                    "  gantry local run examples/ablation-attention.yaml --train-workers 2 --eval-workers 1",
                    "  gantry local run spec.yaml --store directory --dir runs/mine",
                    "", "Logs of every process are in DIR/logs; the report in DIR/report/index.html."})
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "experiment spec (YAML)")
        Path specFile;

        @Option(names = "--train-workers", defaultValue = "1", description = "training worker processes (default: ${DEFAULT-VALUE})")
        int trainWorkers;

        @Option(names = "--eval-workers", defaultValue = "1", description = "eval worker processes (default: ${DEFAULT-VALUE})")
        int evalWorkers;

        @Option(names = "--store", defaultValue = "s3", paramLabel = "s3|directory",
                description = "checkpoints in an embedded S3 server over the S3 API, or in a directory (default: ${DEFAULT-VALUE})")
        String store;

        @Option(names = "--threads", description = "PyTorch threads per worker (default: cores / training workers)")
        Integer threads;

        @Option(names = "--dir", description = "working directory (default: runs/local-<experiment id>)")
        Path dir;

        @Option(names = "--featurenet", description = "fmnist-cnn-v1 weights (default: ~/.cache/gantry/featurenets/fmnist-cnn-v1)")
        Path featurenet;

        @Option(names = "--cache", description = "workers' dataset and reference-statistics cache (default: ~/.cache/gantry)")
        Path cacheDir;

        @Option(names = "--metrics-port", paramLabel = "PORT",
                description = "serve Prometheus metrics: the coordinator's on PORT, each worker's on the next ports")
        Integer metricsPort;

        @Option(names = "--timeout", defaultValue = "PT12H", description = "give up after this long (ISO-8601, default: ${DEFAULT-VALUE})")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            if (trainWorkers < 1 || evalWorkers < 0) {
                throw ExitException.badInput("--train-workers must be at least 1 and --eval-workers at least 0");
            }
            if (metricsPort != null && (metricsPort < 1 || metricsPort + trainWorkers + evalWorkers > 65535)) {
                throw ExitException.badInput("--metrics-port must leave room for one port per process in 1..65535 (got "
                        + metricsPort + ")");
            }
            if (!store.equals("s3") && !store.equals("directory")) {
                throw ExitException.badInput("--store must be s3 or directory (got '" + store + "')");
            }
            ExperimentPlan plan;
            String yaml;
            plan = PlanLoader.load(specFile);
            yaml = Files.readString(specFile);
            int cores = Runtime.getRuntime().availableProcessors();
            int perWorker = threads != null ? threads : Math.max(1, cores / trainWorkers);
            Path cache = cacheDir != null ? cacheDir : WorkerSettings.defaultCacheDir();
            Path net = featurenet != null ? featurenet : FeaturenetCommand.defaultDir();
            if (evalWorkers > 0 && plan.evaluation().extractor().equals(FashionFeatureNet.ID)
                    && !Files.isRegularFile(net.resolve(FashionFeatureNet.WEIGHTS))) {
                trainFeatureNet(net, cores);
            }
            String id = ExperimentClient.newExperimentId(plan.name());
            Path work = (dir != null ? dir : Path.of("runs", "local-" + id)).toAbsolutePath();
            System.err.printf("experiment %s: %d trial(s), %d training + %d eval worker(s), %d thread(s) each; %s store%n",
                    id, plan.trials().size(), trainWorkers, evalWorkers, perWorker, store);
            System.err.println("starting Kafka (KRaft), " + (store.equals("s3") ? "S3Mock" : "the directory store")
                    + " and the coordinator; logs in " + work.resolve("logs"));
            try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(work, store.equals("s3"), perWorker, net,
                    cache, 15_000, List.of(), metricsPort))) {
                Thread hook = new Thread(cluster::close);
                Runtime.getRuntime().addShutdownHook(hook);
                for (int i = 0; i < trainWorkers; i++) {
                    cluster.addTrainWorker(specFile);  // data set and model warm before the first task
                }
                for (int i = 0; i < evalWorkers; i++) {
                    cluster.addEvalWorker();
                }
                System.err.println("kafka: " + cluster.kafka().bootstrapServers() + "  (other gantry commands can follow this run"
                        + " with --bootstrap " + cluster.kafka().bootstrapServers() + ")");
                cluster.metricsPorts().entrySet().stream().sorted(java.util.Map.Entry.comparingByValue()).forEach(e ->
                        System.err.printf("metrics: %-12s http://localhost:%d/metrics%n", e.getKey(), e.getValue()));
                List<TrialState> trials;
                ExperimentResults results;
                try (ExperimentClient client = new ExperimentClient(cluster.kafka());
                        ClusterView view = new ClusterView(cluster.kafka())) {
                    client.submit(yaml, specFile.toString(), id);
                    trials = new LiveView(view, id, System.err).follow(timeout, () -> {
                        if (!cluster.exited().isEmpty()) {
                            throw new IllegalStateException("processes exited: " + cluster.exited() + "; see "
                                    + cluster.logs());
                        }
                    });
                    results = ExperimentResults.of(view.catchUp(), id);
                }
                System.out.print(results.table());
                try (Stores stores = new Stores(cluster.s3().orElse(S3Settings.fromEnvironment()))) {
                    Path index = ReportWriter.write(results, stores, work.resolve("report"));
                    System.out.println("\nreport: " + index);
                }
                Runtime.getRuntime().removeShutdownHook(hook);
                // a trial ASHA stopped ended as its experiment asked
                boolean allDone = trials.stream().allMatch(t -> t.getPhase() == TrialState.Phase.DONE
                        || t.getPhase() == TrialState.Phase.STOPPED);
                return allDone ? 0 : 1;
            }
        }

        private static void trainFeatureNet(Path net, int cores) throws Exception {
            System.err.println(FashionFeatureNet.ID + " (the feature network for fid[" + FashionFeatureNet.ID
                    + "]) is not trained yet: training it once now (deterministic, 3 epochs)");
            EngineSetup.configure(cores);
            FashionFeatureNet.TrainingReport report;
            try {
                report = FeaturenetCommand.trainWithProgress(net, 3, 0);
            } catch (DatasetException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            System.err.printf("%s: test accuracy %.4f, weights in %s%n", FashionFeatureNet.ID, report.testAccuracy(), net);
        }
    }
}
