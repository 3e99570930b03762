package dev.gantry.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.spec.ForkOverrides;
import dev.gantry.testing.TinySpecs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineageTest {
    static Lineage twoForks() {
        Lineage root = Lineage.root("exp-t000", TinySpecs.yaml(""), TinySpecs.spec(), Map.of("training.lrG", "1e-4"));
        ForkOverrides.Child a = ForkOverrides.apply(TinySpecs.yaml(""), 2, Map.of("training.lrG", "2e-4"), 6L, "a");
        Lineage one = root.fork("exp-fa", 2, a.specYaml(), a.spec(), a.overrides(), "ab".repeat(32));
        ForkOverrides.Child b = ForkOverrides.apply(a.specYaml(), 4, Map.of("training.beta2", "0.99"), 8L, "b");
        return one.fork("exp-fb", 4, b.specYaml(), b.spec(), b.overrides(), "cd".repeat(32));
    }

    @Test
    void jsonRoundTripsEveryField() {
        Lineage lineage = twoForks();
        Lineage back = Lineage.parse(lineage.toJsonString(), "test");
        assertEquals(lineage, back);
        assertEquals("exp-fb", back.trialId());
        assertEquals(4, back.forkStep());
        assertEquals("exp-fa", back.last().parentTrialId());
        assertEquals(Map.of("training.beta2", "0.99", "training.steps", "8"), back.last().overrides());
        assertEquals(0.99, back.spec().training().beta2());
        assertEquals(2e-4, back.spec().training().lrG(), "the second fork inherits the first one's lrG");
        assertEquals(lineage.trajectoryHash(), back.trajectoryHash());
    }

    @Test
    void theTrajectoryHashDependsOnSpecsAndForkStepsNotOnNames() {
        Lineage lineage = twoForks();
        List<Lineage.Link> links = new java.util.ArrayList<>(lineage.links());
        Lineage.Link last = links.get(2);
        links.set(2, new Lineage.Link("renamed", last.fromStep(), last.specYaml(), last.specHash(), last.seed(),
                Map.of(), last.parentTrialId(), "00"));
        assertEquals(lineage.trajectoryHash(), new Lineage(links).trajectoryHash());
        links.set(2, new Lineage.Link(last.trialId(), 5, last.specYaml(), last.specHash(), last.seed(),
                last.overrides(), last.parentTrialId(), last.parentManifestSha256()));
        assertNotEquals(lineage.trajectoryHash(), new Lineage(links).trajectoryHash());
    }

    @Test
    void anEditedSpecOrABrokenChainIsRefused() {
        String json = twoForks().toJsonString();
        Lineage.LineageException edited = assertThrows(Lineage.LineageException.class,
                () -> Lineage.parse(json.replace("beta2: 0.99", "beta2: 0.98"), "edited.json"));
        assertTrue(edited.getMessage().contains("links[2]: spec hashes to"), edited.getMessage());
        Lineage.LineageException broken = assertThrows(Lineage.LineageException.class,
                () -> Lineage.parse(json.replace("\"fromStep\" : 4", "\"fromStep\" : 1"), "broken.json"));
        assertTrue(broken.getMessage().contains("does not continue"), broken.getMessage());
        assertThrows(Lineage.LineageException.class, () -> Lineage.parse("{\"format\": \"x\"}", "x.json"));
    }
}
