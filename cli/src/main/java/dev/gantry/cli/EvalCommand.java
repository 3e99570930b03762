package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.cluster.TaskIds;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.transport.ClusterOptions;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.Topics;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Ask the eval workers to evaluate one checkpoint of a trial (FID and intra-FID).",
                "The checkpoint is a trial's checkpoint URI, or TRIAL@STEP."},
        footer = {"", "Examples:", "  gantry eval fmnist-small-20261123-2101-a3f9-t000@1000 --samples 500 --wait",
                "  gantry eval s3://gantry/experiments/EXP/EXP-t000/step-00001000/"})
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT")
    String checkpoint;

    @Option(names = "--samples", description = "generated images per class (default: the experiment's policy)")
    Integer samples;

    @Option(names = "--seed", description = "evaluation seed (default: the experiment's policy)")
    Long seed;

    @Option(names = "--wait", description = "wait for the result and print it")
    boolean await;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        String trialId;
        long step;
        Optional<ClusterLayout.CheckpointAt> at = ClusterLayout.parseCheckpoint(checkpoint);
        if (checkpoint.contains("@")) {
            trialId = checkpoint.substring(0, checkpoint.lastIndexOf('@'));
            step = Long.parseLong(checkpoint.substring(checkpoint.lastIndexOf('@') + 1));
        } else if (at.isPresent()) {
            trialId = at.get().trialId();
            step = at.get().step();
        } else {
            System.err.println(checkpoint + ": expected TRIAL@STEP or a checkpoint URI ending in <trial>/step-NNNNNNNN/");
            return Main.BAD_INPUT;
        }
        if (samples != null && samples < 2) {
            System.err.println("--samples must be at least 2 (a covariance needs two samples)");
            return Main.BAD_INPUT;
        }
        try (ClusterView view = new ClusterView(cluster.kafka()); Publisher publisher = new Publisher(cluster.kafka(), "gantry-cli")) {
            TrialState trial = view.catchUp().trial(trialId).orElse(null);
            if (trial == null) {
                System.err.println("no trial '" + trialId + "'");
                return Main.BAD_INPUT;
            }
            EvaluationPolicy p = trial.getSettings().getEvalPolicy();
            String uri = ClusterLayout.checkpointUri(trial.getSettings().getCheckpointRoot(), trialId, step);
            EvaluationTask task = EvaluationTask.newBuilder().setTaskId(TaskIds.requestedEvaluation(trialId, step))
                    .setTrial(trial.getTrial()).setCheckpoint(CheckpointRef.newBuilder().setUri(uri).setStep(step))
                    .setExtractorId(p.getExtractorId()).setSplit(p.getSplit())
                    .setSamplesPerClass(samples != null ? samples : p.getSamplesPerClass())
                    .setEvalSeed(seed != null ? seed : p.getEvalSeed()).setTotalSteps(trial.getTotalSteps())
                    .setRequestedAtMs(System.currentTimeMillis()).setStatsRoot(p.getStatsRoot()).build();
            publisher.sendAndWait(Topics.EVAL_TASKS, trialId, task);
            System.out.println("evaluation of " + uri + " requested");
            if (!await) {
                return 0;
            }
            long deadline = System.nanoTime() + Duration.ofHours(1).toNanos();
            while (System.nanoTime() < deadline) {
                for (EvaluationResult r : view.poll(Duration.ofSeconds(1)).results(trialId)) {
                    if (r.getStep() == step && r.getRequestedAtMs() == task.getRequestedAtMs()) {
                        System.out.printf(Locale.ROOT, "%s step %d: %s %.4f, intra %.4f (%s)%n", trialId, step,
                                trial.getMetricName(), r.getFid(), r.getIntraFid(), r.getMetricDefinition());
                        return 0;
                    }
                }
            }
            System.err.println("no result within an hour; is an eval worker running?");
            return 1;
        }
    }
}
