package io.flashrig.server.dashboard;

import java.time.Instant;
import java.util.List;

/**
 * Quality over a period: where boards fail, so that a flaky hub port or cable shows up. An attempt counts in the
 * period in which it ended; {@code yield} is done ÷ ended (failed and interrupted attempts count against it).
 */
public record Stats(Instant from, Instant to, int hours, List<RigYield> perRig, List<SlotYield> perSlot,
        List<ReleaseYield> perRelease, List<FailureCount> topFailures, List<HourCount> boardsPerHour, PoolSummary pool) {

    /** Attempts of one rig that ended in the period. */
    public record RigYield(String rig, long ended, long done, long failed, long interrupted, Double yield) {
    }

    /** Attempts in one slot of one rig (its label, else its port path) that ended in the period. */
    public record SlotYield(String rig, String slot, long ended, long done, long failed, long interrupted,
            Double yield) {
    }

    /** Attempts verified against one release that ended in the period; {@code release} null for those without one. */
    public record ReleaseYield(String release, long ended, long done, long failed, long interrupted, Double yield) {
    }

    /** How often a failure code occurred, with its latest message. */
    public record FailureCount(String code, long count, String lastMessage) {
    }

    /** Attempts that ended in one hour. */
    public record HourCount(Instant hour, long done, long failed) {
    }

    static Double yield(long done, long ended) {
        return ended == 0 ? null : (double) done / ended;
    }
}
