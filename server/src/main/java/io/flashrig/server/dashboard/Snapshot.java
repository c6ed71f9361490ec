package io.flashrig.server.dashboard;

import java.time.Instant;
import java.util.List;

/**
 * Everything the live view shows, at one moment; pushed updates follow it.
 *
 * @param heartbeatSeconds a rig unseen for twice this long counts as disconnected
 * @param alerts the MAC alerts of the last days, newest first
 */
public record Snapshot(Instant serverTime, long heartbeatSeconds, List<LiveRig> rigs, List<LiveBoard> slots,
        List<Failure> recentFailures, PoolSummary pool, List<LiveAlert> alerts) {

    /** A flash attempt that ended in failure or was interrupted. */
    public record Failure(String rig, String serial, String slotLabel, String portPath, String failureCode,
            String message, Instant at) {
    }
}
