package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.cluster.MetricNames;
import dev.gantry.config.ExitException;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.report.ExperimentResults;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.transport.ClusterOptions;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Experiments and trials: state, step/total, steps/s, latest FID and intra-FID, worker;",
                "under a trial, its latest KID, precision/recall, density/coverage where the policy computes them."},
        footer = {"", "Examples:", "  gantry status                      # every experiment, one line each",
                "  gantry status fmnist-small-20261123-2101-a3f9"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "EXPERIMENT")
    String experimentId;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            view.catchUp();
            if (experimentId == null) {
                var byExperiment = view.trials(t -> true).stream().collect(Collectors.groupingBy(
                        t -> t.getTrial().getExperimentId(), java.util.LinkedHashMap::new, Collectors.toList()));
                if (byExperiment.isEmpty()) {
                    System.out.println("no experiments");
                }
                System.out.printf("%-44s %6s %6s %8s %7s %7s %9s%n", "experiment", "trials", "done", "running", "stopped",
                        "failed", "cancelled");
                byExperiment.forEach((id, ts) -> System.out.printf("%-44s %6d %6d %8d %7d %7d %9d%n", id, ts.size(),
                        count(ts, TrialState.Phase.DONE),
                        count(ts, TrialState.Phase.RUNNING) + count(ts, TrialState.Phase.PENDING)
                                + count(ts, TrialState.Phase.EVALUATING),
                        count(ts, TrialState.Phase.STOPPED), count(ts, TrialState.Phase.FAILED),
                        count(ts, TrialState.Phase.CANCELLED)));
                return 0;
            }
            List<TrialState> trials = view.experiment(experimentId);
            if (trials.isEmpty()) {
                throw ExitException.badInput("no experiment '" + experimentId + "' (gantry status lists them)");
            }
            System.out.printf("%-26s %-26s %-10s %13s %8s %10s %10s %s%n", "trial", "label", "state", "step", "steps/s",
                    "fid", "intra-fid", "worker");
            for (TrialState t : trials) {
                ClusterView.Live live = view.live(t);
                System.out.printf(Locale.ROOT, "%-26s %-26s %-10s %13s %8.2f %10s %10s %s%n", t.getTrial().getTrialId(),
                        t.getLabel(), t.getPhase().name().toLowerCase(Locale.ROOT), live.step() + "/" + t.getTotalSteps(),
                        live.stepsPerSecond(), ExperimentResults.num(t.getLatestFid()),
                        ExperimentResults.num(t.getLatestIntraFid()), live.workerId().isEmpty() ? "-" : live.workerId());
                var policy = t.getSettings().getEvalPolicy();
                view.results(t.getTrial().getTrialId()).stream().filter(r -> !r.getMetricsMap().isEmpty())
                        .filter(r -> MetricNames.followsProtocol(r.getMetricDefinition(), policy.getSplit(),
                                policy.getSamplesPerClass(), policy.getEvalSeed(),
                                GeneratorChoice.bySpecName(policy.getGenerator()).orElse(GeneratorChoice.RAW)))
                        .reduce((a, b) -> b)  // the latest evaluation that computed more than FID
                        .ifPresent(r -> System.out.println("    step " + r.getStep() + ": " + ExperimentResults.otherMetrics(r)));
                if (!t.getFailureReason().isEmpty()) {
                    System.out.println("    " + t.getFailureReason());
                }
                if (t.getLineageCount() > 1) {
                    var link = t.getLineage(t.getLineageCount() - 1);
                    System.out.println("    forked from " + link.getParentTrialId() + "@" + link.getFromStep()
                            + (link.getOverridesMap().isEmpty() ? "" : " with " + link.getOverridesMap()));
                }
                if (t.getRungsCount() > 0) {
                    System.out.println("    rungs: " + t.getRungsList().stream().map(ExperimentResults::rung)
                            .collect(java.util.stream.Collectors.joining("  ")));
                }
                if (t.getPbtCount() > 0) {
                    System.out.println("    pbt member " + t.getPbtMember() + ": " + t.getPbtList().stream()
                            .map(ExperimentResults::pbt).collect(java.util.stream.Collectors.joining("  ")));
                }
            }
            System.out.println("metric: " + trials.get(0).getMetricName());
            return 0;
        }
    }

    private static long count(List<TrialState> ts, TrialState.Phase phase) {
        return ts.stream().filter(t -> t.getPhase() == phase).count();
    }
}
