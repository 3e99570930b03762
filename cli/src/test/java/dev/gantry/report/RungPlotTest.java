package dev.gantry.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.proto.v1.AshaSettings;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.ExperimentSettings;
import dev.gantry.proto.v1.RungResult;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RungPlotTest {
    private static final AshaSettings ASHA = AshaSettings.newBuilder().setMinSteps(100).setMaxSteps(900).setEta(3)
            .setMetric("fid").addRungs(100).addRungs(300).build();

    private static TrialState trial(int i, TrialState.Phase phase, RungResult... rungs) {
        return TrialState.newBuilder().setTrial(TrialRef.newBuilder().setExperimentId("e").setTrialId("e-t00" + i))
                .setPhase(phase).setTotalSteps(900).setLabel("lrG=" + i)
                .setSettings(ExperimentSettings.newBuilder().setAsha(ASHA)).addAllRungs(List.of(rungs)).build();
    }

    private static RungResult rung(long step, double value, boolean promoted) {
        return RungResult.newBuilder().setStep(step).setValue(value).setPromoted(promoted).build();
    }

    @Test
    void stoppedTrialsAreCrossedWhereTheyStoppedAndFinishedOnesReachTheirFinalEvaluation(@TempDir Path dir)
            throws Exception {
        TrialState done = trial(0, TrialState.Phase.DONE, rung(100, 60, true), rung(300, 40, true));
        TrialState stopped = trial(1, TrialState.Phase.STOPPED, rung(100, 80, false));
        Map<String, List<EvaluationResult>> curves = new LinkedHashMap<>();
        curves.put("e-t000", List.of(EvaluationResult.newBuilder().setStep(900).setFid(30).build()));
        curves.put("e-t001", List.of());
        ExperimentResults results = new ExperimentResults("e", "fid[fmnist-cnn-v1]", List.of(done, stopped), curves);

        List<double[]> points = RungPlot.points(done, curves.get("e-t000"));
        assertEquals(3, points.size());
        assertArrayEquals(new double[] {900, 30}, points.get(2));
        assertEquals(ASHA, RungPlot.ashaOf(results).orElseThrow());

        Path file = dir.resolve("asha.png");
        RungPlot.write(results, ASHA, file);
        BufferedImage png = ImageIO.read(file.toFile());
        assertEquals(FidPlot.WIDTH, png.getWidth());
        int red = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                if ((png.getRGB(x, y) & 0xFFFFFF) == 0xFF0000) {
                    red++;
                }
            }
        }
        assertTrue(red > 0, "the stop is marked with a red cross");
    }
}
