package dev.gantry.cli;

import dev.gantry.evaluation.metrics.Features;
import dev.gantry.evaluation.metrics.KernelInceptionDistance;
import picocli.CommandLine.Option;

/** How KID samples its subsets, shared by 'gantry kid' and 'gantry metrics'. */
final class KidOptions {
    @Option(names = "--subsets", defaultValue = "100", description = "KID subsets (default: ${DEFAULT-VALUE})")
    int subsets;

    @Option(names = "--subset-size", description = "KID samples per subset (default: 1000, or the smaller set's size)")
    Integer subsetSize;

    @Option(names = "--seed", defaultValue = "0", description = "KID subset sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    KernelInceptionDistance.Result compute(Features real, Features fake) {
        int m = subsetSize != null ? subsetSize : Math.min(1000, Math.min(real.n(), fake.n()));
        return KernelInceptionDistance.compute(real, fake, subsets, m, seed);
    }
}
