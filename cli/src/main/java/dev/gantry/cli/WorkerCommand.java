package dev.gantry.cli;

import dev.gantry.worker.WorkerMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Run a training worker (share group gantry-train-workers) or an eval worker (gantry-eval-workers).",
                "Start as many as you like, on any machines: they share the work, and a killed worker loses at most",
                "its current segment."},
        footer = {"", "Examples:", "  gantry worker train --bootstrap kafka:9092 --threads 8",
                "  gantry worker eval --bootstrap kafka:9092",
                "", "S3: GANTRY_S3_ENDPOINT, GANTRY_S3_REGION, GANTRY_S3_PATH_STYLE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY."})
final class WorkerCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "train|eval")
    String role;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--worker-id", description = "(default: <role>-<host>-<pid>)")
    String workerId;

    @Option(names = "--threads", description = "PyTorch threads (default: $GANTRY_THREADS or all cores)")
    Integer threads;

    @Option(names = "--cache", description = "datasets and reference statistics (default: ~/.cache/gantry)")
    Path cache;

    @Option(names = "--featurenet", description = "fmnist-cnn-v1 weights (default: <cache>/featurenets/fmnist-cnn-v1)")
    Path featurenet;

    @Option(names = "--inception", paramLabel = "PATH|URI",
            description = "Inception v3 TorchScript for eval workers: a file, s3:// or https:// (default: $GANTRY_INCEPTION)")
    String inception;

    @Option(names = "--inception-sha256", paramLabel = "HEX",
            description = "the published file's SHA-256; metrics are plain FID only when it matches (default: $GANTRY_INCEPTION_SHA256)")
    String inceptionSha256;

    @Option(names = "--inception-reference", paramLabel = "NPZ",
            description = {"PyTorch's features of fixed images for that file (tools/inception_reference.py), checked before",
                    "any metric is published (default: $GANTRY_INCEPTION_REFERENCE, else <file>.reference.npz)"})
    String inceptionReference;

    @Override
    public Integer call() throws Exception {
        if (!role.equals("train") && !role.equals("eval")) {
            System.err.println("role must be train or eval (got '" + role + "')");
            return Main.BAD_INPUT;
        }
        List<String> args = new ArrayList<>(List.of(role, "--bootstrap", cluster.config().bootstrap(cluster.bootstrap)));
        if (workerId != null) {
            args.addAll(List.of("--worker-id", workerId));
        }
        if (threads != null) {
            args.addAll(List.of("--threads", threads.toString()));
        }
        if (cache != null) {
            args.addAll(List.of("--cache", cache.toString()));
        }
        if (featurenet != null) {
            args.addAll(List.of("--featurenet", featurenet.toString()));
        }
        if (inception != null) {
            args.addAll(List.of("--inception", inception));
        }
        if (inceptionSha256 != null) {
            args.addAll(List.of("--inception-sha256", inceptionSha256));
        }
        if (inceptionReference != null) {
            args.addAll(List.of("--inception-reference", inceptionReference));
        }
        return WorkerMain.run(args.toArray(String[]::new));
    }
}
