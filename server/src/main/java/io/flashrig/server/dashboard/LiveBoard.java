package io.flashrig.server.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One board in its slot as the live view shows it: its current flash attempt, with the latest progress.
 *
 * @param partition the partition being written while flashing (e.g. {@code bootfs}), else {@code null}
 * @param percent   progress of the whole layout while flashing, 0–100
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveBoard(String rig, String serial, String attemptId, String portPath, String slotLabel,
        Integer powerUpOrder, String state, String partition, int percent, String mac, Instant startedAt,
        Instant endedAt, Instant lastEventAt, String outcome, String failureCode, String message) {
}
