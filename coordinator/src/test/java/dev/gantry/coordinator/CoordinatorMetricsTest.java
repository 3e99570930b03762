package dev.gantry.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.ExperimentSettings;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator's gauges from trial states: the backlog KEDA scales on, and FIDs only of running trials. */
class CoordinatorMetricsTest {
    private static final EvaluationPolicy EVERY_2 = EvaluationPolicy.newBuilder().setEverySteps(2).setFinalStep(true)
            .setExtractorId("fmnist-cnn-v1").build();

    @Test
    void backlogCountsOpenSegmentsAndDueEvaluationsAndFidSeriesFollowRunningTrials() throws Exception {
        TrialState pending = trial("t0", TrialState.Phase.PENDING, 0, 7, Double.NaN);
        TrialState running = trial("t1", TrialState.Phase.RUNNING, 6, 7, 40.0).toBuilder()
                .addEvaluatedSteps(2).addFailedEvalSteps(4).build();           // step 6 still due
        TrialState evaluating = trial("t2", TrialState.Phase.EVALUATING, 7, 7, 35.0).toBuilder()
                .addEvaluatedSteps(2).addEvaluatedSteps(4).addEvaluatedSteps(6).build();  // the final step 7 due
        TrialState done = trial("t3", TrialState.Phase.DONE, 7, 7, 30.0);
        assertEquals(1, CoordinatorMetrics.evaluationsDue(running));
        assertEquals(1, CoordinatorMetrics.evaluationsDue(evaluating));
        CoordinatorMetrics.committed(3, List.of(pending, running, evaluating, done));
        String text = scrape();
        assertTrue(text.contains("gantry_tasks_backlog{kind=\"training\"} 2.0"), text);
        assertTrue(text.contains("gantry_tasks_backlog{kind=\"evaluation\"} 2.0"), text);
        assertTrue(text.contains("gantry_trials{state=\"running\"} 1.0"), text);
        assertTrue(text.contains("gantry_trial_latest_fid{experiment=\"e\",trial=\"t1\"} 40.0"), text);
        assertFalse(text.contains("trial=\"t3\""), "a finished trial has no FID series");
        CoordinatorMetrics.committed(1, List.of(running.toBuilder().setPhase(TrialState.Phase.DONE).build()));
        assertFalse(scrape().contains("trial=\"t1\""), "the series is removed when the trial finishes");
    }

    private static TrialState trial(String id, TrialState.Phase phase, long step, long total, double fid) {
        return TrialState.newBuilder().setTrial(TrialRef.newBuilder().setExperimentId("e").setTrialId(id))
                .setPhase(phase).setStep(step).setTotalSteps(total).setLatestFid(fid)
                .setSettings(ExperimentSettings.newBuilder().setEvalPolicy(EVERY_2)).build();
    }

    private static String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, PrometheusRegistry.defaultRegistry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
