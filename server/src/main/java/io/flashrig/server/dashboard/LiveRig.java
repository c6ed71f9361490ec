package io.flashrig.server.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A rig as the live view shows it. {@code connected} is the server's view when it was read; see {@code lastSeen}.
 * {@code rejectedEvents} counts its board events recorded as rejected, {@code lastRejection} says why the last was;
 * {@code clockAheadSeconds} is set while its clock runs ahead of the server's beyond the allowed skew in its events;
 * {@code clockSkewSeconds} is how far its clock was off when it last opened a session (positive: ahead);
 * {@code release} is the release it is to flash (its pin, else the default; absent without one), {@code releaseRetired}
 * set when that release is retired, so that a rig that stopped flashing for it is explained at a glance.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveRig(String name, boolean connected, Instant lastSeen, String hostname, String agentVersion,
        String layoutName, long rejectedEvents, String lastRejection, Long clockAheadSeconds, Long clockSkewSeconds,
        String release, Boolean releaseRetired) {
}
