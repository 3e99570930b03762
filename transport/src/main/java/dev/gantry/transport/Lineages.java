package dev.gantry.transport;

import dev.gantry.lineage.Lineage;
import dev.gantry.proto.v1.LineageLink;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecLoader;
import java.util.ArrayList;
import java.util.List;

/** A trial's {@link Lineage} to and from its wire form (TrialState.lineage). */
public final class Lineages {
    private Lineages() {}

    /** The trial's lineage: its recorded chain, or for a trial trained from scratch its own spec from step 0. */
    public static Lineage of(TrialState t) {
        if (t.getLineageCount() == 0) {
            ExperimentSpec spec = SpecLoader.parse(t.getSpecYaml(), "trial " + t.getTrial().getTrialId() + " spec");
            return Lineage.root(t.getTrial().getTrialId(), t.getSpecYaml(), spec, t.getOverridesMap());
        }
        List<Lineage.Link> links = new ArrayList<>();
        for (LineageLink l : t.getLineageList()) {
            links.add(new Lineage.Link(l.getTrialId(), l.getFromStep(), l.getSpecYaml(), l.getSpecHash(), l.getSeed(),
                    l.getOverridesMap(), l.getParentTrialId(), l.getParentManifestSha256()));
        }
        return new Lineage(links);
    }

    public static List<LineageLink> toProto(Lineage lineage) {
        List<LineageLink> out = new ArrayList<>();
        for (Lineage.Link l : lineage.links()) {
            out.add(LineageLink.newBuilder().setTrialId(l.trialId()).setFromStep(l.fromStep()).setSpecYaml(l.specYaml())
                    .setSpecHash(l.specHash()).setSeed(l.seed()).putAllOverrides(l.sortedOverrides())
                    .setParentTrialId(l.parentTrialId()).setParentManifestSha256(l.parentManifestSha256()).build());
        }
        return out;
    }
}
