package dev.gantry.tensorboard;

import dev.gantry.client.ExperimentRecords;
import dev.gantry.cluster.MetricNames;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrainingStats;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import dev.gantry.spec.GeneratorChoice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scalars an experiment's records hold, per trial, each at its generator step: G and D
 * losses, mean D logits on real and generated images, and steps/s from progress reports and
 * checkpoint events; every metric of every evaluation result. Results of the experiment's own
 * evaluation protocol are under "eval/"; a user's extra evaluations (other samples, seed or
 * split) are not comparable with them and go under "extra_eval/<split>/n=<n>/seed=<seed>/".
 */
public final class TrialScalars {
    public static final String LOSS_G = "loss/G";
    public static final String LOSS_D = "loss/D";
    public static final String D_REAL = "D/real";
    public static final String D_FAKE = "D/fake";
    public static final String STEPS_PER_SECOND = "speed/steps_per_second";

    private TrialScalars() {}

    /**
     * Points by trial id. Checkpoint events come before progress reports: where both hold a step
     * (the report of a segment's last step), the one a writer keeps first is the committed one.
     */
    public static Map<String, List<ScalarPoint>> of(ExperimentRecords records, Map<String, TrialState> trials) {
        Map<String, List<ScalarPoint>> byTrial = new LinkedHashMap<>();
        for (CheckpointEvent c : records.checkpoints()) {
            if (c.hasStats()) {  // a duplicate segment that found its checkpoint committed trained nothing
                training(c.getStats(), c.getCheckpoint().getStep(), c.getCommittedAtMs(),
                        byTrial.computeIfAbsent(c.getTrial().getTrialId(), k -> new ArrayList<>()));
            }
        }
        for (WorkerProgress p : records.progress()) {
            if (p.hasStats()) {
                training(p.getStats(), p.getStep(), p.getAtMs(),
                        byTrial.computeIfAbsent(p.getTrial().getTrialId(), k -> new ArrayList<>()));
            }
        }
        for (EvaluationResult r : records.results()) {
            TrialState t = trials.get(r.getTrial().getTrialId());
            evaluation(r, t == null || ownProtocol(r, t.getSettings().getEvalPolicy()),
                    byTrial.computeIfAbsent(r.getTrial().getTrialId(), k -> new ArrayList<>()));
        }
        return byTrial;
    }

    private static void training(TrainingStats s, long step, long atMs, List<ScalarPoint> out) {
        double wall = atMs / 1000.0;
        out.add(new ScalarPoint(LOSS_G, step, wall, s.getLossG()));
        out.add(new ScalarPoint(LOSS_D, step, wall, s.getLossD()));
        out.add(new ScalarPoint(D_REAL, step, wall, s.getRealScore()));
        out.add(new ScalarPoint(D_FAKE, step, wall, s.getFakeScore()));
        out.add(new ScalarPoint(STEPS_PER_SECOND, step, wall, s.getStepsPerSecond()));
    }

    /**
     * Tags carry the metric's own name, extractor included ("eval/fid[fmnist-cnn-v1]",
     * "eval/intra_fid[fmnist-cnn-v1]", "eval/kid[fmnist-cnn-v1]", "per_class/fid[fmnist-cnn-v1]/Bag"):
     * numbers of another extractor than Inception v3 must not pass for published FIDs.
     */
    private static void evaluation(EvaluationResult r, boolean ownProtocol, List<ScalarPoint> out) {
        String name = metricName(r.getMetricDefinition());
        String eval = ownProtocol ? "eval/" : "extra_eval" + protocolOf(r.getMetricDefinition()) + "/";
        String perClass = ownProtocol ? "per_class/" : eval + "per_class/";
        String extractor = name.contains("[") ? name.substring(name.indexOf('[')) : "";
        double wall = r.getComputedAtMs() / 1000.0;
        long step = r.getStep();
        out.add(new ScalarPoint(eval + name, step, wall, r.getFid()));
        out.add(new ScalarPoint(eval + "intra_" + name, step, wall, r.getIntraFid()));
        new TreeMap<>(r.getMetricsMap()).forEach((metric, v) -> out.add(new ScalarPoint(eval + metric + extractor, step, wall, v)));
        new TreeMap<>(r.getPerClassFidMap()).forEach((cls, v) -> out.add(new ScalarPoint(perClass + name + "/" + cls, step, wall, v)));
        new TreeMap<>(r.getPerClassKidMap()).forEach((cls, v) -> out.add(new ScalarPoint(perClass + "kid" + extractor + "/" + cls, step, wall, v)));
    }

    private static boolean ownProtocol(EvaluationResult r, EvaluationPolicy policy) {
        return MetricNames.followsProtocol(r.getMetricDefinition(), policy.getSplit(), policy.getSamplesPerClass(),
                policy.getEvalSeed(), GeneratorChoice.bySpecName(policy.getGenerator()).orElse(GeneratorChoice.RAW));
    }

    /** "fid[fmnist-cnn-v1]" of "fid[fmnist-cnn-v1]/test/n=class-counts/seed=0". */
    static String metricName(String definition) {
        int slash = definition.indexOf('/');
        String name = slash < 0 ? definition : definition.substring(0, slash);
        return name.isEmpty() ? "fid" : name;
    }

    /** "/test/n=5/seed=0" of "fid[fmnist-cnn-v1]/test/n=5/seed=0". */
    static String protocolOf(String definition) {
        int slash = definition.indexOf('/');
        return slash < 0 ? "" : definition.substring(slash);
    }
}
