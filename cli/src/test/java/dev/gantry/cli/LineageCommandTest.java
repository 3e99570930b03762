package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.RungResult;
import dev.gantry.report.ExperimentResults;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineageCommandTest {
    @Test
    void printsTheChainRootFirstWithEachForksParentCheckpointAndChanges() {
        Lineage lineage = new Lineage(List.of(
                new Lineage.Link("exp-t000", 0, "spec: a", "aaaaaaaaaaaaaaaaaaaa", 1, Map.of("training.lrG", "1.0E-4"), "", ""),
                new Lineage.Link("exp-f1", 200, "spec: b", "bbbbbbbbbbbbbbbbbbbb", 1, Map.of("training.lrG", "2.0E-4"),
                        "exp-t000", "cccccccccccccccccccccc")));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LineageCommand.print(lineage, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("""
                exp-t000  from step 0 (trained from scratch)
                   seed 1, spec aaaaaaaaaaaaaaaa, training.lrG=1.0E-4
                  └─ exp-f1  from step 200 of exp-t000@200 (manifest cccccccccccccccc)
                        seed 1, spec bbbbbbbbbbbbbbbb, training.lrG=2.0E-4
                """, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void rungDecisionsReadAsRankAmongTheResultsSeen() {
        assertEquals("step 100: 41.20 (2 of 5) stopped", ExperimentResults.rung(RungResult.newBuilder().setStep(100)
                .setValue(41.2).setRank(2).setSeen(5).build()));
        assertEquals("step 300: unevaluated, continued", ExperimentResults.rung(RungResult.newBuilder().setStep(300)
                .setValue(Double.NaN).setPromoted(true).setUnevaluated(true).build()));
    }
}
