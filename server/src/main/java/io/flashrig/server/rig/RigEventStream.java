package io.flashrig.server.rig;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Uuids;
import io.flashrig.server.board.BoardEventService;
import io.flashrig.server.board.EventSource;
import io.flashrig.server.error.DomainException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * The rig's side of a request of board events: the request must come from the rig's current session; the events go to
 * the board feature; what they tell about the rig (last seen, its clock, refused events) is kept on its row. One
 * transaction per request, and the acknowledgement is sent after commit.
 */
@ApplicationScoped
public class RigEventStream {

    private final BoardEventService events;
    private final FlashRigConfig config;

    RigEventStream(BoardEventService events, FlashRigConfig config) {
        this.events = events;
        this.config = config;
    }

    @Transactional
    public StreamBoardEventsResponse apply(long rigId, StreamBoardEventsRequest request) {
        // Rig row first, as OpenSession does, so that the two never wait on each other in opposite order.
        Rig locked = Rig.findById(rigId, LockModeType.PESSIMISTIC_WRITE);
        UUID queueId = requireCurrentSession(locked, request.getSessionId());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        BoardEventService.Applied applied = events.apply(new EventSource(rigId, locked.name, queueId), request, now);
        // Read again: applying may have cleared the persistence context. The row stays locked by this transaction.
        Rig rig = Rig.findById(rigId, LockModeType.PESSIMISTIC_WRITE);
        rig.lastSeen = now;
        // Set while the rig's stamps lie beyond the allowed skew, cleared by a request whose stamps do not.
        if (applied.clockAhead() != null) {
            rig.clockAheadSeconds = applied.clockAhead().compareTo(config.maxRigClockAhead()) > 0
                    ? applied.clockAhead().toSeconds() : null;
        }
        if (applied.newlyRejected() > 0) {
            rig.rejectedEvents += applied.newlyRejected();
            rig.lastRejectedAt = now;
            rig.lastRejection = applied.lastRejection();
        }
        return applied.response();
    }

    private static UUID requireCurrentSession(Rig rig, String sessionId) {
        if (!Uuids.parse(sessionId).filter(session -> session.equals(rig.sessionId)).isPresent()) {
            throw new DomainException(DomainException.Kind.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_UNKNOWN_SESSION,
                    "The session id '" + sessionId + "' is not rig '" + rig.name
                            + "''s current session; open a new session.", Map.of());
        }
        return rig.queueId;
    }
}
