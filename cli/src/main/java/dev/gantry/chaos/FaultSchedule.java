package dev.gantry.chaos;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A seeded sequence of faults and the pauses between them: the same seed gives the same schedule
 * (what then happens depends on timing, which no schedule can fix, but a failing seed is the
 * first thing to try again).
 */
public final class FaultSchedule {
    private final SplittableRandom random;
    /** Its own stream: how many picks a fault makes depends on the cluster, and must not shift the schedule. */
    private final SplittableRandom picks;
    private final Duration minGap;
    private final Duration maxGap;

    public FaultSchedule(long seed, Duration minGap, Duration maxGap) {
        if (minGap.isNegative() || maxGap.compareTo(minGap) < 0) {
            throw new IllegalArgumentException("gaps must satisfy 0 <= min <= max");
        }
        this.random = new SplittableRandom(seed);
        this.picks = random.split();
        this.minGap = minGap;
        this.maxGap = maxGap;
    }

    public Fault nextFault() {
        Fault[] all = Fault.values();
        return all[random.nextInt(all.length)];
    }

    public Duration nextGap() {
        long spread = maxGap.toMillis() - minGap.toMillis();
        return minGap.plusMillis(spread == 0 ? 0 : random.nextLong(spread + 1));
    }

    /** A value for the fault itself (which worker, which object, which byte). */
    public int pick(int bound) {
        return picks.nextInt(bound);
    }
}
