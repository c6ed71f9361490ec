package io.flashrig.server.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** A rig as the live view shows it. {@code connected} is the server's view when it was read; see {@code lastSeen}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveRig(String name, boolean connected, Instant lastSeen, String hostname, String agentVersion,
        String layoutName) {
}
