package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.config.ExitException;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.ForkOverrides;
import dev.gantry.transport.ClusterOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fork", mixinStandardHelpOptions = true,
        description = {"Start a new trial from a committed checkpoint of another, with overrides.",
                "The child continues the parent's networks and optimizer state; its first checkpoint is a copy of",
                "the parent's under its own prefix, and it records its lineage (parent, step, manifest, overrides).",
                "Prints the child's trial id."},
        footer = {"", "Examples:",
                "  gantry fork fmnist-small-20261123-2101-a3f9-t000@400 --set training.lrG=2e-4 --steps 1000",
                "  gantry fork EXP-t001@200 --set training.beta2=0.99 --set evaluation.everySteps=100 --id try-b2",
                "", "Keys a fork may set: training.lrG, training.lrD, training.ttur, training.beta1, training.beta2,",
                "training.eps, training.dStepsPerGStep, training.batchSize, training.seed, training.ema.decay,",
                "training.ema.startStep, training.steps, evaluation.everySteps, evaluation.finalStep.",
                "A change of the model's shape (model.*, dataset.kind/channels, adding or removing training.ema)",
                "is refused with the field named. Replay a fork: gantry train --lineage TRIAL --out DIR."})
final class ForkCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRIAL@STEP", description = "the parent trial and a checkpoint step it keeps")
    String target;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "an override (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--steps", paramLabel = "N", description = "the child's training.steps (default: the parent's)")
    Long steps;

    @Option(names = "--id", paramLabel = "FORK_ID",
            description = "fork id, chosen by you so a repeated command makes one trial (default: random)")
    String id;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        int at = target.lastIndexOf('@');
        long step;
        if (at <= 0) {
            throw ExitException.badInput("TRIAL@STEP: expected e.g. exp-t000@400 (got '" + target + "')");
        }
        try {
            step = Long.parseLong(target.substring(at + 1));
        } catch (RuntimeException e) {
            throw ExitException.badInput("TRIAL@STEP: expected e.g. exp-t000@400 (got '" + target + "')");
        }
        String parentId = target.substring(0, at);
        String forkId = id != null ? id : ExperimentClient.newForkId();
        if (!forkId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,39}")) {
            throw ExitException.badInput("--id: 1-40 letters, digits, '.', '_' or '-' (got '" + forkId + "')");
        }
        Map<String, String> overrides = ForkOverrides.parseAssignments(sets);
        TrialState parent;
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            parent = view.catchUp().trial(parentId).orElseThrow(() -> ExitException.badInput("no trial '" + parentId
                    + "' (gantry status lists them)"));
        }
        // Checked here so mistakes never reach Kafka; the coordinator checks again with the same code.
        ForkOverrides.Child child = ForkOverrides.apply(parent.getSpecYaml(), step, overrides, steps, "fork of " + target);
        long segment = parent.getSettings().getSegmentSteps();
        long every = child.everySteps().orElse(0);
        if (segment > 0 && every % segment != 0) {
            throw ExitException.badInput(ForkOverrides.EVERY_STEPS + ": " + every + " is not a multiple of the "
                    + "experiment's segmentSteps (" + segment + ")");
        }
        List<Long> kept = parent.getKeptList().stream().map(CheckpointRef::getStep).toList();
        if (!kept.contains(step)) {
            throw ExitException.badInput(parentId + "@" + step + ": not a checkpoint the trial keeps (kept: " + kept
                    + "; gantry status " + parent.getTrial().getExperimentId() + " shows its steps)");
        }
        ForkTrial.Builder fork = ForkTrial.newBuilder().setForkId(forkId).setParentTrialId(parentId).setStep(step)
                .putAllOverrides(overrides).setRequestedBy(System.getProperty("user.name", "unknown"));
        if (steps != null) {
            fork.setTotalSteps(steps);
        }
        try (ExperimentClient client = new ExperimentClient(cluster.kafka())) {
            System.out.println(client.fork(parent.getTrial().getExperimentId(), fork.build()));
        }
        return 0;
    }
}
