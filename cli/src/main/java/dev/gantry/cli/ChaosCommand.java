package dev.gantry.cli;

import dev.gantry.chaos.ChaosReport;
import dev.gantry.chaos.ChaosRun;
import dev.gantry.client.ExperimentClient;
import dev.gantry.config.ExitException;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Prove that faults lose nothing.", subcommands = {ChaosCommand.Run.class})
final class ChaosCommand extends CommandGroup {

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run an experiment in local mode while a seeded schedule SIGKILLs training workers, eval",
                    "workers and the coordinator, freezes a training worker past its task's lock (SIGSTOP), restarts",
                    "the broker, corrupts and deletes stored checkpoint objects,",
                    "and publishes duplicated, stale and forged messages (out-of-root URIs, a bucket-root checkpoint",
                    "event, path-escaping evaluation tasks). Then checks, and prints as a table: every trial done;",
                    "each final checkpoint bitwise equal to the trial trained once here without faults; every",
                    "checkpoint retention keeps still committed; nothing deleted or written outside the roots.",
                    "Exit status 1 if anything was lost."},
            footer = {"", "Examples:", "  gantry chaos run examples/chaos.yaml --duration 10m --seed 7",
                    "  gantry chaos run examples/chaos.yaml --duration 2m --train-workers 2 --eval-workers 1"})
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "experiment spec (YAML)")
        Path specFile;

        @Option(names = "--duration", defaultValue = "10m", description = "how long faults are injected, e.g. 10m, 90s (default: ${DEFAULT-VALUE})")
        String duration;

        @Option(names = "--seed", defaultValue = "1", description = "the fault schedule's seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--train-workers", defaultValue = "2", description = "(default: ${DEFAULT-VALUE})")
        int trainWorkers;

        @Option(names = "--eval-workers", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
        int evalWorkers;

        @Option(names = "--threads", defaultValue = "1", description = "PyTorch threads per worker, and for the fault-free reference (default: ${DEFAULT-VALUE})")
        int threads;

        @Option(names = "--gap", defaultValue = "5s..20s", paramLabel = "MIN..MAX", description = "pause between faults (default: ${DEFAULT-VALUE})")
        String gap;

        @Option(names = "--completion", defaultValue = "30m", description = "how long to wait after the faults for the experiment to finish (default: ${DEFAULT-VALUE})")
        String completion;

        @Option(names = "--dir", description = "working directory (default: runs/chaos-<time>)")
        Path dir;

        @Option(names = "--featurenet", description = "fmnist-cnn-v1 weights (default: ~/.cache/gantry/featurenets/fmnist-cnn-v1)")
        Path featurenet;

        @Option(names = "--cache", description = "datasets and reference statistics (default: ~/.cache/gantry)")
        Path cache;

        @Override
        public Integer call() throws Exception {
            if (trainWorkers < 1 || evalWorkers < 0 || threads < 1) {
                throw ExitException.badInput("--train-workers and --threads must be at least 1, --eval-workers at least 0");
            }
            String[] gaps = gap.split("\\.\\.");
            if (gaps.length != 2) {
                throw ExitException.badInput("--gap must be MIN..MAX, e.g. 5s..20s (got '" + gap + "')");
            }
            ExperimentPlan plan = PlanLoader.load(specFile);
            String yaml = Files.readString(specFile);
            Path net = featurenet != null ? featurenet : FeaturenetCommand.defaultDir();
            if (evalWorkers > 0 && plan.evaluation().extractor().equals(FashionFeatureNet.ID)
                    && !Files.isRegularFile(net.resolve(FashionFeatureNet.WEIGHTS))) {
                throw ExitException.badInput(FashionFeatureNet.ID + " is not trained in " + net
                        + ": run 'gantry featurenet train' (or 'gantry local run' once) first");
            }
            Path work = (dir != null ? dir : Path.of("runs", "chaos-" + ExperimentClient.newExperimentId("run")))
                    .toAbsolutePath();
            ChaosRun.Options options = new ChaosRun.Options(work, trainWorkers, evalWorkers, threads, net,
                    cache != null ? cache : WorkerSettings.defaultCacheDir(), DurationOption.parse("--duration", duration),
                    DurationOption.parse("--completion", completion), DurationOption.parse("--gap", gaps[0]),
                    DurationOption.parse("--gap", gaps[1]), seed);
            ChaosReport report = ChaosRun.run(plan, yaml, specFile.toString(), options, System.err::println);
            System.out.print(report.table());
            System.out.println("logs: " + work.resolve("logs"));
            return report.nothingLost() ? 0 : 1;
        }
    }

    /** "10m", "90s", "1h" or ISO-8601 ("PT10M"). */
    static final class DurationOption {
        private DurationOption() {}

        static Duration parse(String flag, String text) {
            String t = text.trim();
            try {
                if (t.startsWith("P") || t.startsWith("p")) {
                    return Duration.parse(t);
                }
                long n = Long.parseLong(t.substring(0, t.length() - 1));
                return switch (t.charAt(t.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> throw new NumberFormatException();
                };
            } catch (RuntimeException e) {
                throw ExitException.badInput(flag + ": '" + text + "' is not a duration like 90s, 10m or 1h");
            }
        }
    }
}
