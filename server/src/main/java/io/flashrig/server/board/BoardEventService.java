package io.flashrig.server.board;

import com.google.protobuf.Timestamp;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.InvalidValueException;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.BoardEvent.ChangeCase;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.RejectedEvent;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Uuids;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.pool.PoolService;
import io.flashrig.server.rig.Rig;
import io.flashrig.server.sql.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.Session;

/**
 * Applies a rig's board events: each request in one transaction, each event id once. Only events inserted by this
 * transaction change boards and flash attempts, so a replay changes nothing; the acknowledgement is sent after commit.
 */
@ApplicationScoped
public class BoardEventService {

    private static final String STATE_PREFIX = "FLASH_JOB_STATE_";
    private static final int OUTPUT_TAIL_LINES = 20;
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    private record Ended(String outcome, Duration duration) {
    }

    private final EntityManager em;
    private final PoolService pool;
    private final BoardMetrics metrics;
    private final TransactionSynchronizationRegistry transactions;
    private final FlashRigConfig config;

    BoardEventService(EntityManager em, PoolService pool, BoardMetrics metrics,
            TransactionSynchronizationRegistry transactions, FlashRigConfig config) {
        this.em = em;
        this.pool = pool;
        this.metrics = metrics;
        this.transactions = transactions;
        this.config = config;
    }

    @Transactional
    public StreamBoardEventsResponse apply(long rigId, StreamBoardEventsRequest request) {
        // Rig row first, as OpenSession does, so that the two never wait on each other in opposite order.
        Rig rig = Rig.findById(rigId, LockModeType.PESSIMISTIC_WRITE);
        UUID queueId = requireCurrentSession(rig, request.getSessionId());
        checkOrder(request);
        Instant now = Instant.now();
        List<RejectedEvent> rejected = new ArrayList<>();
        List<Ended> ended = new ArrayList<>();
        long committed = em.unwrap(Session.class).doReturningWork(c -> {
            for (io.flashrig.proto.rig.v1.BoardEvent event : request.getEventsList()) {
                String problem = malformation(event);
                UUID eventId = problem == null ? UUID.fromString(event.getEventId())
                        : UUID.nameUUIDFromBytes((rigId + "/" + queueId + "/" + event.getSequence())
                                .getBytes(StandardCharsets.UTF_8));
                if (store(c, rig, queueId, eventId, event, problem, now)) {
                    if (problem == null) {
                        problem = applyEvent(c, rig, event, ended);
                        if (problem != null) {
                            Jdbc.update(c, "UPDATE board_event SET rejected_reason = ? WHERE event_id = ?", problem,
                                    eventId);
                        }
                    }
                } else {
                    problem = replayVerdict(c, rigId, queueId, eventId, event.getSequence());
                }
                if (problem != null) {
                    rejected.add(RejectedEvent.newBuilder().setEventId(event.getEventId())
                            .setSequence(event.getSequence()).setMessage(problem).build());
                }
            }
            return advanceQueue(c, rigId, queueId, request);
        });
        rig.lastSeen = now;
        afterCommit(() -> ended.forEach(e -> metrics.attemptEnded(e.outcome(), e.duration())));
        return StreamBoardEventsResponse.newBuilder().setCommittedThroughSequence(committed)
                .addAllRejected(rejected).build();
    }

    private static UUID requireCurrentSession(Rig rig, String sessionId) {
        if (!Uuids.parse(sessionId).filter(session -> session.equals(rig.sessionId)).isPresent()) {
            throw new DomainException(DomainException.Kind.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_UNKNOWN_SESSION,
                    "The session id '" + sessionId + "' is not rig '" + rig.name
                            + "''s current session; open a new session.", Map.of());
        }
        return rig.queueId;
    }

    private void checkOrder(StreamBoardEventsRequest request) {
        if (request.getEventsCount() > config.maxEventsPerRequest()) {
            throw invalidRequest("A request may carry at most " + config.maxEventsPerRequest() + " events, not "
                    + request.getEventsCount() + ".");
        }
        long previous = 0;
        for (io.flashrig.proto.rig.v1.BoardEvent event : request.getEventsList()) {
            if (event.getSequence() <= previous) {
                throw invalidRequest("Event sequences must start at 1 and ascend within a request; "
                        + event.getSequence() + " follows " + previous + ".");
            }
            previous = event.getSequence();
        }
    }

    /** Why a single event cannot be applied, or null when it is well-formed. */
    private static String malformation(io.flashrig.proto.rig.v1.BoardEvent event) {
        if (!Uuids.parse(event.getEventId()).isPresent()) {
            return "event_id must be a UUID, not '" + event.getEventId() + "'.";
        }
        if (!Uuids.parse(event.getAttemptId()).isPresent()) {
            return "attempt_id must be a UUID, not '" + event.getAttemptId() + "'.";
        }
        if (!event.hasOccurredAt() || !validTimestamp(event.getOccurredAt())) {
            return "occurred_at is missing or not a valid time.";
        }
        if (event.getState() == FlashJobState.FLASH_JOB_STATE_UNSPECIFIED
                || event.getState() == FlashJobState.UNRECOGNIZED) {
            return "state must be set to a known FlashJobState.";
        }
        if (event.getChangeCase() == ChangeCase.CHANGE_NOT_SET) {
            return "The event says nothing changed: one of its change fields must be set.";
        }
        try {
            BoardSerial.parse(event.getSerial());
            String mac = macOf(event);
            if (mac != null && !mac.isEmpty()) {
                MacAddress.parse(mac);
            }
        } catch (InvalidValueException e) {
            return e.getMessage();
        }
        return null;
    }

    private static String macOf(io.flashrig.proto.rig.v1.BoardEvent event) {
        return switch (event.getChangeCase()) {
            case OTP_READ -> event.getOtpRead().getMac();
            case MAC_WRITTEN -> event.getMacWritten().getMac();
            case MAC_VERIFIED -> event.getMacVerified().getMac().isEmpty() ? "-" : event.getMacVerified().getMac();
            case DONE -> event.getDone().getMac();
            case REMOVED -> event.getRemoved().getMac();
            default -> null;
        };
    }

    private static boolean store(Connection c, Rig rig, UUID queueId, UUID eventId,
            io.flashrig.proto.rig.v1.BoardEvent event, String problem, Instant now) throws SQLException {
        boolean wellFormed = problem == null;
        return Jdbc.update(c, """
                INSERT INTO board_event (event_id, rig_id, queue_id, sequence, serial, attempt_id, kind, occurred_at,
                                         received_at, payload, rejected_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING""", eventId, rig.id, queueId, event.getSequence(),
                wellFormed ? BoardSerial.parse(event.getSerial()).value() : clip(event.getSerial()),
                clip(event.getAttemptId()), event.getChangeCase().name(),
                Jdbc.Null.orInstant(wellFormed ? instant(event.getOccurredAt()) : null), now, event.toByteArray(),
                problem) == 1;
    }

    /**
     * For an event the database already holds (by id or by queue position): null for a replay of an applied event,
     * the recorded reason for a replay of a rejected one, and a refusal when id and position belong to different
     * events (an agent reusing a sequence or an event id), which is listed as rejected and never stored twice.
     */
    private static String replayVerdict(Connection c, long rigId, UUID queueId, UUID eventId, long sequence)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT event_id, rig_id, queue_id, sequence, rejected_reason FROM board_event
                 WHERE event_id = ? OR (rig_id = ? AND queue_id = ? AND sequence = ?)""")) {
            Jdbc.bind(ps, eventId, rigId, queueId, sequence);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean samePosition = rs.getLong(2) == rigId && queueId.equals(rs.getObject(3))
                        && rs.getLong(4) == sequence;
                if (eventId.equals(rs.getObject(1)) && samePosition) {
                    return rs.getString(5);
                }
                return samePosition
                        ? "Sequence " + sequence + " of this queue already holds event " + rs.getObject(1)
                                + "; this event was not stored. Sequences must never be reused."
                        : "Event id " + eventId + " was already used for another event; this event was not stored.";
            }
        }
    }

    private static long advanceQueue(Connection c, long rigId, UUID queueId, StreamBoardEventsRequest request)
            throws SQLException {
        long highest = request.getEventsCount() == 0 ? 0
                : request.getEvents(request.getEventsCount() - 1).getSequence();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO event_queue (rig_id, queue_id, committed_through_sequence) VALUES (?, ?, ?)
                ON CONFLICT (rig_id, queue_id) DO UPDATE SET committed_through_sequence =
                    GREATEST(event_queue.committed_through_sequence, EXCLUDED.committed_through_sequence)
                RETURNING committed_through_sequence""")) {
            Jdbc.bind(ps, rigId, queueId, highest);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Applies a new event to its board and flash attempt; returns why it cannot be applied, or null. */
    private String applyEvent(Connection c, Rig rig, io.flashrig.proto.rig.v1.BoardEvent event, List<Ended> ended)
            throws SQLException {
        BoardSerial serial = BoardSerial.parse(event.getSerial());
        UUID attemptId = UUID.fromString(event.getAttemptId());
        Instant at = instant(event.getOccurredAt());
        String state = event.getState().name().substring(STATE_PREFIX.length());
        String owner = attemptOwner(c, attemptId);
        String expectedOwner = serial.value() + "@" + rig.id;
        if (owner != null && !owner.equals(expectedOwner)) {
            return "attempt_id " + attemptId + " already belongs to another board or rig (" + owner + ").";
        }
        Jdbc.update(c, """
                INSERT INTO board (serial, state, first_seen, last_seen, last_rig_id, last_attempt_id)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (serial) DO UPDATE SET
                    first_seen = LEAST(board.first_seen, EXCLUDED.first_seen),
                    state = CASE WHEN EXCLUDED.last_seen >= board.last_seen THEN EXCLUDED.state ELSE board.state END,
                    last_rig_id = CASE WHEN EXCLUDED.last_seen >= board.last_seen
                                       THEN EXCLUDED.last_rig_id ELSE board.last_rig_id END,
                    last_attempt_id = CASE WHEN EXCLUDED.last_seen >= board.last_seen
                                           THEN EXCLUDED.last_attempt_id ELSE board.last_attempt_id END,
                    last_seen = GREATEST(board.last_seen, EXCLUDED.last_seen)""",
                serial.value(), state, at, at, rig.id, attemptId);
        Jdbc.update(c, """
                INSERT INTO flash_attempt (attempt_id, serial, rig_id, port_path, slot_label, power_up_order, state,
                                           started_at, last_event_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (attempt_id) DO UPDATE SET
                    state = CASE WHEN EXCLUDED.last_event_at >= flash_attempt.last_event_at
                                 THEN EXCLUDED.state ELSE flash_attempt.state END,
                    last_event_at = GREATEST(flash_attempt.last_event_at, EXCLUDED.last_event_at),
                    started_at = LEAST(flash_attempt.started_at, EXCLUDED.started_at),
                    port_path = COALESCE(flash_attempt.port_path, EXCLUDED.port_path),
                    slot_label = COALESCE(flash_attempt.slot_label, EXCLUDED.slot_label),
                    power_up_order = COALESCE(flash_attempt.power_up_order, EXCLUDED.power_up_order)""",
                attemptId, serial.value(), rig.id, emptyToNull(event.getSlot().getPortPath()),
                emptyToNull(event.getSlot().getLabel()),
                Jdbc.Null.orInteger(event.getSlot().getPowerUpOrder() == 0 ? null : event.getSlot().getPowerUpOrder()),
                state, at, at);
        switch (event.getChangeCase()) {
            case FLASH_STARTED -> attempt(c, attemptId, "layout_name = ?, layout_sha256 = ?, flash_started_at = ?",
                    emptyToNull(event.getFlashStarted().getLayoutName()),
                    emptyToNull(event.getFlashStarted().getLayoutSha256()), at);
            case FLASHED -> attempt(c, attemptId, "flashed_at = ?", at);
            case MAC_WRITTEN -> attempt(c, attemptId, "mac = ?", MacAddress.parse(event.getMacWritten().getMac())
                    .toString());
            case MAC_VERIFIED -> {
                MacAddress mac = MacAddress.parse(event.getMacVerified().getMac());
                attempt(c, attemptId, "mac = ?, mac_verified_at = ?", mac.toString(), at);
                pool.markFused(serial, mac, rig.id, rig.name, at);
            }
            case DONE -> end(c, attemptId, at, "DONE", null, null, List.of(), ended);
            case FAILED -> end(c, attemptId, at, "FAILED",
                    event.getFailed().getReason().name().replaceFirst("^FAILURE_REASON_", ""),
                    event.getFailed().getMessage(), event.getFailed().getProgrammerOutputTailList(), ended);
            case INTERRUPTED -> end(c, attemptId, at, "INTERRUPTED", null,
                    "Unplugged while " + event.getInterrupted().getInterruptedInState().name()
                            .replaceFirst("^" + STATE_PREFIX, ""),
                    event.getInterrupted().getProgrammerOutputTailList(), ended);
            case REMOVED -> attempt(c, attemptId, "removed_at = ?", at);
            default -> {
                // Detection, progress, OTP reads and waiting only move the state, done above.
            }
        }
        return null;
    }

    private static String attemptOwner(Connection c, UUID attemptId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT serial || '@' || rig_id FROM flash_attempt WHERE attempt_id = ?")) {
            Jdbc.bind(ps, attemptId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private void end(Connection c, UUID attemptId, Instant at, String outcome, String failureCode, String message,
            List<String> outputTail, List<Ended> ended) throws SQLException {
        List<String> tail = outputTail.subList(Math.max(0, outputTail.size() - OUTPUT_TAIL_LINES), outputTail.size());
        // An attempt ends once; a second end event (e.g. FAILED after DONE) keeps the first outcome.
        int changed = Jdbc.update(c, """
                UPDATE flash_attempt SET ended_at = ?, outcome = ?, failure_code = ?, message = ?,
                       programmer_output_tail = ?
                 WHERE attempt_id = ? AND outcome IS NULL""", at, outcome, failureCode, emptyToNull(message),
                tail.isEmpty() ? null : String.join("\n", tail), attemptId);
        if (changed == 1) {
            try (PreparedStatement ps = c.prepareStatement("SELECT started_at FROM flash_attempt WHERE attempt_id = ?")) {
                Jdbc.bind(ps, attemptId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ended.add(new Ended(outcome, Duration.between(rs.getTimestamp(1).toInstant(), at)));
                }
            }
        }
    }

    private static void attempt(Connection c, UUID attemptId, String assignments, Object... values)
            throws SQLException {
        Object[] params = new Object[values.length + 1];
        System.arraycopy(values, 0, params, 0, values.length);
        params[values.length] = attemptId;
        Jdbc.update(c, "UPDATE flash_attempt SET " + assignments + " WHERE attempt_id = ?", params);
    }

    private void afterCommit(Runnable action) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }

    private static DomainException invalidRequest(String message) {
        return new DomainException(DomainException.Kind.INVALID, ErrorReason.ERROR_REASON_INVALID_REQUEST, message,
                Map.of("field", "events"));
    }

    private static boolean validTimestamp(Timestamp t) {
        return t.getSeconds() >= MIN_SECONDS && t.getSeconds() <= MAX_SECONDS && t.getNanos() >= 0
                && t.getNanos() < 1_000_000_000;
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }

    private static String clip(String text) {
        return text.length() > 100 ? text.substring(0, 100) : text;
    }
}
