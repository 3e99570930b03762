package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.config.ExitException;
import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.transport.ClusterOptions;
import dev.gantry.transport.Lineages;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "lineage", mixinStandardHelpOptions = true,
        description = {"Print a trial's ancestry, root first: each link's trial, the step it starts from, the parent",
                "checkpoint (trial@step and manifest SHA-256) it was forked from, its seed, what it changed, and its",
                "spec's trajectory hash. 'gantry train --lineage TRIAL' replays exactly this chain."},
        footer = {"", "Example:", "  gantry lineage fmnist-small-20261123-2101-a3f9-f1"})
final class LineageCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRIAL")
    String trialId;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        try (ClusterView view = new ClusterView(cluster.kafka()).catchUp()) {
            TrialState t = view.trial(trialId).orElseThrow(
                    () -> ExitException.badInput("no trial '" + trialId + "' (gantry status EXPERIMENT lists them)"));
            print(Lineages.of(t), System.out);
        }
        return 0;
    }

    static void print(Lineage lineage, PrintStream out) {
        List<Lineage.Link> links = lineage.links();
        for (int i = 0; i < links.size(); i++) {
            Lineage.Link l = links.get(i);
            String indent = "  ".repeat(i);
            out.println(indent + (i == 0 ? "" : "└─ ") + l.trialId() + "  from step " + l.fromStep()
                    + (l.isRoot() ? " (trained from scratch)"
                            : " of " + l.parentTrialId() + "@" + l.fromStep() + " (manifest "
                                    + shortHash(l.parentManifestSha256()) + ")"));
            String detail = indent + (i == 0 ? "   " : "      ") + "seed " + l.seed() + ", spec " + shortHash(l.specHash())
                    + (l.overrides().isEmpty() ? "" : ", " + overrides(l.sortedOverrides()));
            out.println(detail);
        }
    }

    private static String overrides(Map<String, String> values) {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private static String shortHash(String sha) {
        return sha.isEmpty() ? "-" : sha.substring(0, Math.min(16, sha.length()));
    }
}
