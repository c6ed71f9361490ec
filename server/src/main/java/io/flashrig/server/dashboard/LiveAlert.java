package io.flashrig.server.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** A MAC alert as the live view shows it: a conflict, a mismatch, a serial on two rigs… for an admin to look into. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveAlert(long id, String kind, String mac, String serial, String rig, String message,
        Instant createdAt) {
}
