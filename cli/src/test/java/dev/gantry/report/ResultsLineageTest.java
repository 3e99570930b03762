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
}
