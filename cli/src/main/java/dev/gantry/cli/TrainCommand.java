package dev.gantry.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointDirectory;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.config.ExitException;
import dev.gantry.config.ExitStatus;
import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.SelfTest;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.client.ClusterView;
import dev.gantry.lineage.Lineage;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.LineageReplay;
import dev.gantry.transport.Lineages;
import dev.gantry.training.NonFiniteLossException;
import dev.gantry.training.StateHash;
import dev.gantry.training.StepStats;
import dev.gantry.training.Trainer;
import dev.gantry.worker.ComputeOptions;
import dev.gantry.training.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one trial in this process (no Kafka), then write a checkpoint directory.",
        footer = {"", "Examples:",
                "  gantry train examples/fmnist-small.yaml --steps 200 --out runs/a",
                "  gantry train examples/fmnist-small.yaml --steps 100 --resume runs/a --out runs/b",
                "  gantry train --lineage EXP-fa1b2c3d4 --out runs/replay        # a cluster trial, forks included",
                "  gantry train --lineage lineage.json --out runs/replay         # a lineage saved from results JSON",
                "", "The last line on stdout is 'state-sha256 <hex>', a hash of the complete training state:",
                "equal hashes mean bitwise-equal state (at the same --threads)."})
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "experiment spec (YAML); not with --lineage")
    Path specFile;

    @Option(names = "--lineage", paramLabel = "TRIAL|FILE",
            description = {"replay a trial's lineage (the root from scratch, then each fork from its step with its",
                    "overrides) in this process: a trial id (read from the cluster) or a JSON file holding a lineage",
                    "('lineage' of a trial in 'gantry results --format json', or the whole results file with --trial).",
                    "With --lineage, --steps is the step to stop at (default: the trial's training.steps)."})
    String lineage;

    @Option(names = "--trial", paramLabel = "ID", description = "with --lineage RESULTS.json: which trial's lineage")
    String trial;

    @picocli.CommandLine.Mixin
    dev.gantry.transport.ClusterOptions cluster;

    @Option(names = "--steps", paramLabel = "N",
            description = "generator steps to run now (default: up to the spec's training.steps)")
    Long steps;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue from this checkpoint directory")
    Path resume;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "new checkpoint directory to write")
    Path out;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--threads", paramLabel = "T", description = "intra-op threads (default: $GANTRY_THREADS or all cores)")
    Integer threads;

    @Override
    public Integer call() {
        if (lineage != null) {
            if (specFile != null || resume != null) {
                throw ExitException.badInput("--lineage replays a trial from its own specs: give no SPEC and no --resume");
            }
            return replay(EngineSetup.configure(threads));
        }
        if (specFile == null) {
            throw ExitException.badInput("give a SPEC file, or --lineage TRIAL|FILE");
        }
        int threadCount = EngineSetup.configure(threads);
        ExperimentSpec spec;
        String specYaml;
        try {
            spec = SpecLoader.load(specFile);
            specYaml = Files.readString(specFile);
        } catch (java.io.IOException e) {
            throw ExitException.badInput(specFile + ": cannot read: " + e.getMessage());
        }
        if (steps != null && steps < 0) {
            throw ExitException.badInput("--steps must not be negative (got " + steps + ")");
        }
        refuseToOverwriteOrTrainOnBadNumerics();
        Device device = device();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            LabeledImages data = Datasets.open(spec.dataset(), spec.model().imageSize(), downloadDir());
            try (TrainingState state = resume != null ? resumeState(spec, manager)
                    : new TrainingState(spec, specYaml, spec.model().resolve(data.channels(), data.numClasses()),
                            data.classNames(), manager)) {
                Trainer trainer = new Trainer(state, data, compute.lossEvery());
                long todo = steps != null ? steps : Math.max(0, spec.training().steps() - state.step());
                System.err.printf("training %s from step %d for %d steps (%s: %d images, %d classes; %d threads, %s)%n",
                        spec.name(), state.step(), todo, data.name(), data.count(), data.numClasses(), threadCount, device);
                StepStats last = null;
                long started = System.nanoTime();
                try (ProgressBar bar = Progress.bar("train", todo)) {
                    for (long i = 0; i < todo; i++) {
                        last = trainer.step();
                        if (i + 1 == todo) {
                            last = trainer.readLosses();  // the last step's, checked before the checkpoint is written
                        }
                        bar.step();
                        bar.setExtraMessage(String.format(" D %.2f G %.2f", last.lossD(), last.lossG()));
                    }
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                Map<String, byte[]> files = CheckpointCodec.encode(state);
                CheckpointDirectory.write(out, state.step(), spec.trajectoryHash(), files);
                if (last != null) {
                    System.err.printf("step %d: lossD %.4f lossG %.4f D(real) %.3f D(fake) %.3f; %.2f steps/s%n",
                            last.step(), last.lossD(), last.lossG(), last.realScore(), last.fakeScore(), todo / seconds);
                }
                System.err.println("checkpoint written to " + out);
                System.out.println("state-sha256 " + StateHash.of(state));
                return 0;
            }
        } catch (NonFiniteLossException e) {
            throw new ExitException(ExitStatus.NUMERICS, "training diverged, nothing written: " + e.getMessage());
        }
    }

    /** --lineage: the whole chain in this process, then the checkpoint and its state-sha256 as for a spec. */
    private int replay(int threadCount) {
        Lineage chain = readLineage();
        long to = steps != null ? steps : chain.spec().training().steps();
        if (to < chain.forkStep()) {
            throw ExitException.badInput("--steps " + to + ": " + chain.trialId() + " starts at step " + chain.forkStep());
        }
        refuseToOverwriteOrTrainOnBadNumerics();
        ExperimentSpec spec = chain.spec();
        LabeledImages data = Datasets.open(spec.dataset(), spec.model().imageSize(), downloadDir());
        for (Lineage.Link l : chain.links()) {
            System.err.printf("  %s from step %d%s%s%n", l.trialId(), l.fromStep(),
                    l.isRoot() ? "" : " (fork of " + l.parentTrialId() + ")",
                    l.overrides().isEmpty() ? "" : " " + l.sortedOverrides());
        }
        System.err.printf("replaying %s: %d link(s) to step %d (%s: %d images; %d threads)%n", chain.trialId(),
                chain.links().size(), to, data.name(), data.count(), threadCount);
        try (NDManager manager = NDManager.newBaseManager(device());
                ProgressBar bar = Progress.bar("replay", to);
                TrainingState state = LineageReplay.replay(chain, to, data, manager, (link, stats) -> {
                    bar.step();
                    bar.setExtraMessage(String.format(" link %d D %.2f G %.2f", link, stats.lossD(), stats.lossG()));
                })) {
            CheckpointDirectory.write(out, state.step(), state.spec().trajectoryHash(), CheckpointCodec.encode(state));
            System.err.println("checkpoint written to " + out);
            System.out.println("state-sha256 " + StateHash.of(state));
            return 0;
        } catch (NonFiniteLossException e) {
            throw new ExitException(ExitStatus.NUMERICS, "training diverged, nothing written: " + e.getMessage());
        }
    }

    /** --device, checked against the engine before anything is read or trained. */
    private Device device() {
        try {
            return compute.device().require("--device");
        } catch (IllegalArgumentException e) {
            throw ExitException.badInput(e.getMessage());
        }
    }

    private Lineage readLineage() {
        Path file = Path.of(lineage);
        if (!Files.isRegularFile(file)) {
            try (ClusterView view = new ClusterView(cluster.kafka())) {
                return Lineages.of(view.catchUp().trial(lineage).orElseThrow(() -> ExitException.badInput(
                        "--lineage " + lineage + ": no such file, and no such trial (gantry status lists them)")));
            }
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (java.io.IOException e) {
            throw ExitException.badInput("--lineage " + file + ": cannot read JSON: " + e.getMessage());
        }
        JsonNode node = root;
        if (root.has("trials")) {
            if (trial == null) {
                throw ExitException.badInput("--lineage " + file + ": a results file; name the trial with --trial ID");
            }
            node = null;
            for (JsonNode t : root.path("trials")) {
                if (trial.equals(t.path("trial").asText())) {
                    node = t;
                }
            }
            if (node == null) {
                throw ExitException.badInput("--trial " + trial + ": not in " + file);
            }
        }
        if (!Lineage.FORMAT.equals(node.path("format").asText()) && node.has("lineage")) {
            node = node.get("lineage");
        }
        try {
            return Lineage.fromJson(node, file.toString());
        } catch (Lineage.LineageException e) {
            throw ExitException.badInput(e.getMessage());
        }
    }

    private TrainingState resumeState(ExperimentSpec spec, NDManager manager) {
        TrainingState state = CheckpointCodec.decode(CheckpointDirectory.read(resume), manager, resume.toString());
        String expected = spec.trajectoryHash();
        if (!state.spec().trajectoryHash().equals(expected)) {
            state.close();
            throw new CheckpointException("--resume " + resume + ": the checkpoint was trained with a different spec "
                    + "(only name, training.steps and dataset.path may change between segments)");
        }
        return state;
    }

    static Path downloadDir() {
        return CacheLayout.defaultLocation().fashionMnistDownloads();
    }

    /** A committed checkpoint in --out is never overwritten, and no training runs on numerics that failed their checks. */
    private void refuseToOverwriteOrTrainOnBadNumerics() {
        if (Files.exists(out.resolve(Manifest.FILE_NAME))) {
            throw ExitException.badInput("--out " + out + ": already holds a committed checkpoint; choose a new directory");
        }
        List<Check> checks = SelfTest.run();
        if (!SelfTest.allPassed(checks)) {
            checks.stream().filter(c -> !c.passed()).forEach(c -> System.err.println(c.line()));
            throw new ExitException(ExitStatus.NUMERICS, "refusing to train: the numerics self-test failed (run 'gantry selftest')");
        }
    }
}
