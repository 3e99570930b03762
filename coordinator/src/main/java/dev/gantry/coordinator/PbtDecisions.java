package dev.gantry.coordinator;

import dev.gantry.proto.v1.PbtSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The exploit decision of population-based training (Jaderberg et al. 2017), asynchronous as Ray
 * Tune and DeepMind run it: when a member's result at an interval step arrives it is ranked among
 * the results the population recorded at that step so far, its own included. With n results and
 * k = min(ceil(n * quantile), floor(n / 2)), a member ranked in the bottom k exploits one of the
 * top k, chosen with the decision's own randomness; the others continue. Nothing waits for the
 * population: the first result at a step always continues. Pure: the same results and randomness
 * give the same decision.
 */
final class PbtDecisions {
    private PbtDecisions() {}

    /** Another member's recorded result at the step. */
    record Seen(String trialId, double value) {}

    /**
     * @param rank 1 = best among the results seen, this one included
     * @param winner the member to exploit, empty when this one continues
     */
    record Decision(int rank, int seen, int quantileCount, Optional<String> winner) {}

    /** How many results make each of the top and bottom quantiles among n. */
    static int quantileCount(int n, double quantile) {
        return Math.min((int) Math.ceil(n * quantile - 1e-9), n / 2);
    }

    /**
     * @param value this member's metric (NaN, a diverged run, ranks last)
     * @param seen the values other members recorded at this step before it
     * @param random the decision's randomness (then the explore step's): draws the winner among the top k
     */
    static Decision decide(PbtSettings pbt, double value, Collection<Seen> seen, SplittableRandom random) {
        int n = seen.size() + 1;
        int k = quantileCount(n, pbt.getQuantile());
        int rank = 1;
        for (Seen s : seen) {
            if (AshaRungs.isBetter(pbt.getMaximize(), s.value(), value)) {
                rank++;
            }
        }
        if (k == 0 || rank <= n - k) {
            return new Decision(rank, n, k, Optional.empty());
        }
        List<Seen> top = new ArrayList<>();
        for (Seen s : seen) {
            int better = AshaRungs.isBetter(pbt.getMaximize(), value, s.value()) ? 1 : 0;  // this member beats s
            for (Seen o : seen) {
                if (o != s && AshaRungs.isBetter(pbt.getMaximize(), o.value(), s.value())) {
                    better++;
                }
            }
            if (!Double.isNaN(s.value()) && better < k) {
                top.add(s);
            }
        }
        if (top.isEmpty()) {
            return new Decision(rank, n, k, Optional.empty());
        }
        top.sort(Comparator.comparing(Seen::trialId));  // an order that does not depend on arrival
        return new Decision(rank, n, k, Optional.of(top.get(random.nextInt(top.size())).trialId()));
    }
}
