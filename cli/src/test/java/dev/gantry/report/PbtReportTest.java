package dev.gantry.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.proto.v1.ExperimentSettings;
import dev.gantry.proto.v1.LineageLink;
import dev.gantry.proto.v1.PbtDecision;
import dev.gantry.proto.v1.PbtSettings;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PbtReportTest {
    private static final ExperimentSettings PBT = ExperimentSettings.newBuilder()
            .setPbt(PbtSettings.newBuilder().setInterval(2)).build();

    private static TrialState.Builder trial(String id, TrialState.Phase phase, double fid) {
        return TrialState.newBuilder().setTrial(TrialRef.newBuilder().setExperimentId("e").setTrialId(id))
                .setPhase(phase).setStep(6).setTotalSteps(6).setLatestFid(fid).setLabel(id).setSettings(PBT);
    }

    @Test
    void theTreeHangsEachExploitUnderItsWinnerAndTheBestMembersScheduleFollowsItsLineage(@TempDir Path dir)
            throws Exception {
        LineageLink root = LineageLink.newBuilder().setTrialId("e-t000").putOverrides("training.lrG", "1.0E-4").build();
        TrialState winner = trial("e-t000", TrialState.Phase.DONE, 30).putOverrides("training.lrG", "1.0E-4").build();
        TrialState loser = trial("e-t001", TrialState.Phase.STOPPED, 60).setStep(2).addPbt(PbtDecision.newBuilder()
                .setStep(2).setExploited(true).setWinnerTrialId("e-t000").setChildTrialId("e-fpbt1.2.w0")
                .putOverrides("training.lrG", "1.2E-4")).build();
        TrialState child = trial("e-fpbt1.2.w0", TrialState.Phase.DONE, 25).addLineage(root)
                .addLineage(LineageLink.newBuilder().setTrialId("e-fpbt1.2.w0").setFromStep(2).setParentTrialId("e-t000")
                        .putOverrides("training.lrG", "1.2E-4")).build();
        Map<String, List<dev.gantry.proto.v1.EvaluationResult>> curves = new LinkedHashMap<>();
        List.of(winner, loser, child).forEach(t -> curves.put(t.getTrial().getTrialId(), List.of()));
        ExperimentResults results = new ExperimentResults("e", "fid", List.of(winner, loser, child), curves);

        assertTrue(PbtReport.isPbt(results));
        assertEquals(child, PbtReport.best(results).orElseThrow());
        assertEquals(List.of(new PbtReport.Stretch("e-t000", 0, Map.of("training.lrG", "1.0E-4")),
                new PbtReport.Stretch("e-fpbt1.2.w0", 2, Map.of("training.lrG", "1.2E-4"))), PbtReport.schedule(child));

        String html = PbtReport.html(results, dir);
        int winnerAt = html.indexOf("<li>e-t000");
        int childAt = html.indexOf("<li>e-fpbt1.2.w0");
        int loserAt = html.indexOf("<li>e-t001");
        assertTrue(winnerAt >= 0 && childAt > winnerAt && html.substring(winnerAt, childAt).contains("<ul>"),
                "the child is nested under its winner: " + html);
        assertTrue(loserAt > 0 && html.substring(loserAt).contains("replaced by e-fpbt1.2.w0"), html);
        assertTrue(Files.exists(dir.resolve("pbt-schedule.png")) && ImageIO.read(dir.resolve("pbt-schedule.png").toFile()) != null);
    }
}
