package io.flashrig.server.dashboard;

/**
 * The MAC pool with its rate of use.
 *
 * @param assignedPerHour   MACs handed out from the pool per hour over the last 24 hours (or since the first of
 *                          them, at least one hour)
 * @param hoursToExhaustion how long the available MACs last at that rate; {@code null} when none were handed out
 */
public record PoolSummary(long total, long assigned, long fused, long quarantined, long available,
        double assignedPerHour, Double hoursToExhaustion) {
}
