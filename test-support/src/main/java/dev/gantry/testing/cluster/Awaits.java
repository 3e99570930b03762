package dev.gantry.testing.cluster;

import dev.gantry.client.ClusterView;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Waiting for a cluster under test to reach a state, by following the same topics the CLI reads:
 * each wait polls the cluster view (which blocks on the broker, so no sleeps) until its condition
 * holds, and fails with the cluster's state and log tails when the limit passes or a role died.
 */
public final class Awaits {
    private final ClusterUnderTest cluster;
    private final ClusterView view;
    private final Duration limit;

    public Awaits(ClusterUnderTest cluster, ClusterView view, Duration limit) {
        this.cluster = cluster;
        this.view = view;
        this.limit = limit;
    }

    /** Every one of the experiment's {@code trials} trials in a final phase; their states. */
    public List<TrialState> finished(String experimentId, int trials) {
        long deadline = deadline();
        while (System.nanoTime() < deadline) {
            List<TrialState> states = view.poll(Duration.ofMillis(500)).experiment(experimentId);
            if (states.size() == trials && states.stream().allMatch(ClusterView::finished)) {
                return view.catchUp().experiment(experimentId);
            }
            checkAlive();
        }
        throw new AssertionError("experiment " + experimentId + " did not finish within " + limit + ": "
                + view.experiment(experimentId) + "\n" + cluster.logTails(15));
    }

    /** The experiment's trials once {@code condition} holds for them (for experiments that add trials as they run). */
    public List<TrialState> experiment(String experimentId, Predicate<List<TrialState>> condition) {
        long deadline = deadline();
        while (System.nanoTime() < deadline) {
            List<TrialState> states = view.poll(Duration.ofMillis(500)).experiment(experimentId);
            if (condition.test(states)) {
                return view.catchUp().experiment(experimentId);
            }
            checkAlive();
        }
        throw new AssertionError("experiment " + experimentId + " never reached the expected state within " + limit
                + ": " + view.experiment(experimentId) + "\n" + cluster.logTails(15));
    }

    /** The trial's state once {@code condition} holds. */
    public TrialState trial(String trialId, Predicate<TrialState> condition) {
        long deadline = deadline();
        while (System.nanoTime() < deadline) {
            var t = view.poll(Duration.ofMillis(200)).trial(trialId);
            if (t.isPresent() && condition.test(t.get())) {
                return t.get();
            }
            checkAlive();
        }
        throw new AssertionError("trial " + trialId + " never reached the expected state: " + view.trial(trialId)
                + "\n" + cluster.logTails(15));
    }

    /** A progress report matching {@code condition}, of {@code trialId} or (null) of any trial. */
    public WorkerProgress progress(String trialId, Predicate<WorkerProgress> condition) {
        long deadline = deadline();
        while (System.nanoTime() < deadline) {
            view.poll(Duration.ofMillis(200));
            for (TrialState t : view.trials(x -> trialId == null || x.getTrial().getTrialId().equals(trialId))) {
                var p = view.progress(t.getTrial().getTrialId());
                if (p.isPresent() && condition.test(p.get())) {
                    return p.get();
                }
            }
            checkAlive();
        }
        throw new AssertionError("no matching progress report" + (trialId == null ? "" : " of " + trialId));
    }

    /** A line containing {@code text} in a role's log. */
    public void logLine(String role, String text) throws IOException {
        Path log = cluster.logs().resolve(role + ".log");
        long deadline = deadline();
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(log) && Files.readString(log).contains(text)) {
                return;
            }
            view.poll(Duration.ofMillis(200));  // also the pause between reads of the log
        }
        throw new AssertionError(role + " never logged \"" + text + "\"; see " + log);
    }

    private void checkAlive() {
        if (!cluster.exited().isEmpty()) {
            throw new AssertionError("cluster roles died: " + cluster.exited() + "\n" + cluster.logTails(40));
        }
    }

    private long deadline() {
        return System.nanoTime() + limit.toNanos();
    }
}
