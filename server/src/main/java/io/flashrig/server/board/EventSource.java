package io.flashrig.server.board;

import java.util.UUID;

/**
 * Where a request's events come from: the rig (its id and name, for rows and alerts) and the queue whose sequence
 * numbers they carry. The rig feature decides that the rig may send them; the board feature only records them.
 */
public record EventSource(long rigId, String rigName, UUID queueId) {
}
