package dev.gantry.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.ForkOverrides;
import dev.gantry.spec.SpecLoader;
import dev.gantry.transport.Lineages;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The results JSON carries every trial's lineage, in the form 'gantry train --lineage' reads back. */
class ResultsLineageTest {
    private static final String YAML = """
            name: tiny
            dataset: {kind: fashion-mnist}
            model: {zDim: 16, generator: {channels: 2}, discriminator: {channels: 2}}
            training: {seed: 3, steps: 4, batchSize: 8}
            """;

    @Test
    void rootAndForkTrialsCarryTheirLineage() throws Exception {
        TrialState root = TrialState.newBuilder().setTrial(TrialRef.newBuilder().setExperimentId("e").setTrialId("e-t000"))
                .setSpecYaml(YAML).putOverrides("training.lrG", "1e-4").setLatestFid(Double.NaN).setBestFid(Double.NaN)
                .setLatestIntraFid(Double.NaN).build();
        ForkOverrides.Child child = ForkOverrides.apply(YAML, 2, Map.of("training.lrG", "2e-4"), 6L, "fork");
        Lineage lineage = Lineages.of(root).fork("e-fx", 2, child.specYaml(), child.spec(), child.overrides(), "ab");
        TrialState fork = root.toBuilder().setTrial(TrialRef.newBuilder().setExperimentId("e").setTrialId("e-fx"))
                .setSpecYaml(child.specYaml()).addAllLineage(Lineages.toProto(lineage)).build();
        String json = new ExperimentResults("e", "fid", List.of(root, fork), Map.of("e-t000", List.of(), "e-fx",
                List.of())).json();
        JsonNode trials = new ObjectMapper().readTree(json).path("trials");
        Lineage rootBack = Lineage.fromJson(trials.get(0).path("lineage"), "results");
        assertEquals(Lineage.root("e-t000", YAML, SpecLoader.parse(YAML, "y"), Map.of("training.lrG", "1e-4")), rootBack);
        Lineage forkBack = Lineage.fromJson(trials.get(1).path("lineage"), "results");
        assertEquals(lineage, forkBack);
        assertEquals(2e-4, forkBack.spec().training().lrG());
    }

    @Test
    void pbtMembersShowTheirSlotAndDecisions() throws Exception {
        TrialState member = TrialState.newBuilder().setTrial(TrialRef.newBuilder().setExperimentId("e").setTrialId("e-t003"))
                .setSpecYaml(YAML).setLatestFid(Double.NaN).setBestFid(Double.NaN).setLatestIntraFid(Double.NaN)
                .setPhase(TrialState.Phase.STOPPED).setPbtMember(3)
                .setSettings(dev.gantry.proto.v1.ExperimentSettings.newBuilder()
                        .setPbt(dev.gantry.proto.v1.PbtSettings.newBuilder().setPopulation(4).setInterval(2)))
                .addPbt(dev.gantry.proto.v1.PbtDecision.newBuilder().setStep(2).setValue(9).setRank(4).setSeen(4)
                        .setExploited(true).setWinnerTrialId("e-t001").setChildTrialId("e-fpbt3.2.w1")
                        .putOverrides("training.lrG", "1.2e-4"))
                .build();
        ExperimentResults results = new ExperimentResults("e", "fid", List.of(member), Map.of("e-t003", List.of()));
        JsonNode t = new ObjectMapper().readTree(results.json()).path("trials").get(0);
        assertEquals("stopped", t.path("state").asText());
        assertEquals(3, t.path("pbtMember").asInt());
        JsonNode d = t.path("pbt").get(0);
        assertEquals("exploited", d.path("decision").asText());
        assertEquals("e-t001", d.path("winner").asText());
        assertEquals("e-fpbt3.2.w1", d.path("child").asText());
        assertEquals("1.2e-4", d.path("overrides").path("training.lrG").asText());
        String table = results.table();
        assertEquals(true, table.contains("pbt member 3: step 2: 9.00 (4 of 4) exploited e-t001@2 -> e-fpbt3.2.w1"), table);
    }
}
