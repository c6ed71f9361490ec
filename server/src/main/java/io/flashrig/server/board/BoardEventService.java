package io.flashrig.server.board;

import com.google.protobuf.Timestamp;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.EventText;
import io.flashrig.contract.InvalidValueException;
import io.flashrig.contract.MacAddress;
import io.flashrig.contract.Quoted;
import io.flashrig.proto.rig.v1.BoardEvent.ChangeCase;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.RejectedEvent;
import io.flashrig.proto.rig.v1.Slot;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Uuids;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.release.AttemptRelease;
import io.flashrig.server.pool.PoolService;
import io.flashrig.server.rig.Rig;
import io.flashrig.server.sql.Jdbc;
import io.flashrig.server.sql.Savepoint;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.hibernate.Session;

/**
 * Applies a rig's board events: each request in one transaction, each event id once. Only events inserted by this
 * transaction change boards and flash attempts, so a replay changes nothing; the acknowledgement is sent after commit.
 *
 * <p>Set-based: a request's events are stored with one statement, and its boards and flash attempts are each written
 * with one statement, every row once, with what applying the events one by one would have left (the latest state,
 * the earliest start, the first slot seen). Only the rarer changes that carry their own data (flash started, flashed,
 * MAC written or verified, ended, removed) take a statement of their own. Rows are written in key order, so two
 * requests touching the same boards lock them in the same order.
 */
@ApplicationScoped
public class BoardEventService {

    private static final String STATE_PREFIX = "FLASH_JOB_STATE_";
    /** Most characters kept of an id that is not one (a malformed event's serial, attempt or event id). */
    private static final int MAX_ID = 100;
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    private record Ended(String outcome, Duration duration) {
    }

    /** What a request's event that the database already holds is: a replay (its recorded problem, if any) or a conflict. */
    private record Replay(String problem, boolean conflict) {
    }

    /** Columns written per row: board_event, board, flash_attempt. */
    private static final int EVENT_COLUMNS = 11;
    private static final int BOARD_COLUMNS = 6;
    private static final int ATTEMPT_COLUMNS = 10;

    /**
     * One event of a request: its id (made up for a malformed one), and either why it cannot be applied or its parsed
     * fields.
     */
    private record Incoming(io.flashrig.proto.rig.v1.BoardEvent event, UUID eventId, String malformation,
            Applicable parsed) {

        /**
         * @param now      when the server received it
         * @param maxAhead how far past {@code now} a rig's clock may stamp an event and still be believed
         */
        static Incoming of(long rigId, UUID queueId, io.flashrig.proto.rig.v1.BoardEvent received, Instant now,
                Duration maxAhead) {
            io.flashrig.proto.rig.v1.BoardEvent event = EventCleaning.clean(received);
            String problem = BoardEventService.malformation(event);
            if (problem != null) {
                return new Incoming(event, UUID.nameUUIDFromBytes((rigId + "/" + queueId + "/" + event.getSequence())
                        .getBytes(StandardCharsets.UTF_8)), problem, null);
            }
            UUID eventId = UUID.fromString(event.getEventId());
            Instant stamped = instant(event.getOccurredAt());
            // A stamp from the future is a rig clock running fast: believed, it would rank this event above later
            // real ones (a board's failed re-flash hidden behind an earlier DONE). It counts as received instead.
            Instant at = stamped.isAfter(now.plus(maxAhead)) ? now : stamped;
            return new Incoming(event, eventId, null, new Applicable(event, eventId, BoardSerial.parse(event.getSerial()),
                    UUID.fromString(event.getAttemptId()), at, stamped,
                    event.getState().name().substring(STATE_PREFIX.length())));
        }
    }

    /**
     * A well-formed event, ready to be applied once stored: {@code at} is when it counts as having happened, its rig's
     * stamp unless that lay too far ahead of the server's clock.
     */
    private record Applicable(io.flashrig.proto.rig.v1.BoardEvent event, UUID eventId, BoardSerial serial, UUID attemptId,
            Instant at, Instant stamped, String state) {

        boolean rigClockAhead() {
            return stamped.isAfter(at);
        }
    }

    /**
     * What a request's events leave in one row: the earliest and latest time, and the latest event (ties go to the later
     * one, as when each event was applied after the one before it).
     */
    private static class Span {
        Instant first;
        Instant last;
        Applicable latest;

        void take(Applicable e) {
            if (latest == null || !e.at().isBefore(last)) {
                latest = e;
                last = e.at();
            }
            first = first == null || e.at().isBefore(first) ? e.at() : first;
        }
    }

    /** A flash attempt's row: its span, and the first slot seen. */
    private static final class AttemptRow extends Span {
        String portPath;
        String slotLabel;
        Integer powerUpOrder;
        boolean rigClockOff;

        @Override
        void take(Applicable e) {
            super.take(e);
            rigClockOff |= e.rigClockAhead();
            Slot slot = e.event().getSlot();
            portPath = portPath != null ? portPath : emptyToNull(slot.getPortPath());
            slotLabel = slotLabel != null ? slotLabel : emptyToNull(slot.getLabel());
            powerUpOrder = powerUpOrder != null || slot.getPowerUpOrder() == 0 ? powerUpOrder
                    : Integer.valueOf(slot.getPowerUpOrder());
        }
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

    /**
     * Applies one stream request in one transaction and answers after commit. Every event is decided alone: one that is
     * malformed, or that the database refuses, is recorded as rejected and listed, and the rest of the request is
     * committed, so that one bad event never holds up a rig's others.
     */
    @Transactional
    public StreamBoardEventsResponse apply(long rigId, StreamBoardEventsRequest request) {
        // Rig row first, as OpenSession does, so that the two never wait on each other in opposite order.
        Rig locked = Rig.findById(rigId, LockModeType.PESSIMISTIC_WRITE);
        UUID queueId = requireCurrentSession(locked, request.getSessionId());
        checkOrder(request);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Incoming> incoming = request.getEventsList().stream()
                .map(event -> Incoming.of(rigId, queueId, event, now, config.maxRigClockAhead())).toList();
        Session session = em.unwrap(Session.class);
        Written written = session.doReturningWork(c -> Savepoint.attempt(c, () -> write(c, locked, queueId, incoming, now)))
                .result();
        Rig rig = locked;
        if (written == null) {
            // The database refused something the checks let through. Undone to the savepoint: find which event, alone.
            // The persistence context may still hold what the savepoint undid, so it starts afresh.
            em.clear();
            written = session.doReturningWork(c -> writeOneByOne(c, locked, queueId, incoming, now));
            rig = Rig.findById(rigId, LockModeType.PESSIMISTIC_WRITE);
        }
        long committed = session.doReturningWork(c -> advanceQueue(c, rigId, queueId, request));
        List<RejectedEvent> rejected = new ArrayList<>();
        for (io.flashrig.proto.rig.v1.BoardEvent event : request.getEventsList()) {
            String problem = written.problems.get(event.getSequence());
            if (problem != null) {
                rejected.add(RejectedEvent.newBuilder().setEventId(EventText.clean(event.getEventId(), MAX_ID))
                        .setSequence(event.getSequence()).setMessage(problem).build());
            }
        }
        rig.lastSeen = now;
        clockCheck(rig, incoming, now);
        if (written.newlyRejected > 0) {
            rig.rejectedEvents += written.newlyRejected;
            rig.lastRejectedAt = now;
            rig.lastRejection = written.lastRejection;
        }
        List<Ended> ended = written.ended;
        int newlyRejected = written.newlyRejected;
        String rigName = rig.name;
        afterCommit(() -> {
            ended.forEach(e -> metrics.attemptEnded(e.outcome(), e.duration()));
            metrics.eventsRejected(rigName, newlyRejected);
        });
        return StreamBoardEventsResponse.newBuilder().setCommittedThroughSequence(committed)
                .addAllRejected(rejected).build();
    }

    /**
     * How far ahead of the server's clock the rig's clock ran, as its latest request shows: set while its stamps lie
     * beyond the allowed skew, cleared by a request whose stamps do not.
     */
    private void clockCheck(Rig rig, List<Incoming> incoming, Instant now) {
        Duration ahead = incoming.stream().filter(in -> in.parsed() != null)
                .map(in -> Duration.between(now, in.parsed().stamped())).max(Duration::compareTo).orElse(null);
        if (ahead != null) {
            rig.clockAheadSeconds = ahead.compareTo(config.maxRigClockAhead()) > 0 ? ahead.toSeconds() : null;
        }
    }

    /** What writing some events left: why some were refused (by sequence), the attempts that ended, new refusals. */
    private static final class Written {
        final Map<Long, String> problems = new HashMap<>();
        final List<Ended> ended = new ArrayList<>();
        int newlyRejected;
        String lastRejection;

        void rejectedNow(long sequence, String problem) {
            problems.put(sequence, problem);
            newlyRejected++;
            lastRejection = problem;
        }

        void add(Written other) {
            problems.putAll(other.problems);
            ended.addAll(other.ended);
            newlyRejected += other.newlyRejected;
            lastRejection = other.lastRejection != null ? other.lastRejection : lastRejection;
        }
    }

    /** Stores the events that are new and applies the well-formed ones, set-based. */
    private Written write(Connection c, Rig rig, UUID queueId, List<Incoming> incoming, Instant now)
            throws SQLException {
        Written written = new Written();
        Set<Long> stored = store(c, rig, queueId, incoming, now);
        List<Applicable> applicable = new ArrayList<>();
        for (Incoming in : incoming) {
            long sequence = in.event().getSequence();
            if (!stored.contains(sequence)) {
                Replay replay = replayVerdict(c, rig.id, queueId, in.eventId(), sequence);
                if (replay.conflict()) {
                    written.rejectedNow(sequence, replay.problem());
                } else if (replay.problem() != null) {
                    written.problems.put(sequence, replay.problem());
                }
            } else if (in.malformation() != null) {
                written.rejectedNow(sequence, in.malformation());
            } else {
                applicable.add(in.parsed());
            }
        }
        applyEvents(c, rig, applicable, written);
        return written;
    }

    /**
     * Writes the events one at a time, each under its own savepoint; an event the database refuses even alone is
     * recorded as rejected with the database's reason, and the others are written as usual.
     */
    private Written writeOneByOne(Connection c, Rig rig, UUID queueId, List<Incoming> incoming, Instant now)
            throws SQLException {
        Written all = new Written();
        for (Incoming in : incoming) {
            Savepoint.Attempt<Written> one = Savepoint.attempt(c, () -> write(c, rig, queueId, List.of(in), now));
            if (one.result() == null) {
                String problem = EventText.clean("The database refused this event (SQLState " + one.refusal().getSQLState()
                        + "): " + one.refusal().getMessage(), EventText.MESSAGE);
                Incoming refused = new Incoming(in.event(), in.eventId(), problem, in.parsed());
                // Recorded without its board or attempt changes; if even that is refused, the request fails as a whole.
                all.add(write(c, rig, queueId, List.of(refused), now));
            } else {
                all.add(one.result());
            }
        }
        return all;
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
            return "event_id must be a UUID, not '" + Quoted.of(event.getEventId()) + "'.";
        }
        if (!Uuids.parse(event.getAttemptId()).isPresent()) {
            return "attempt_id must be a UUID, not '" + Quoted.of(event.getAttemptId()) + "'.";
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

    /** Stores the request's events that the database does not hold yet; returns the sequences it stored. */
    private static Set<Long> store(Connection c, Rig rig, UUID queueId, List<Incoming> incoming, Instant now)
            throws SQLException {
        Set<Long> stored = new HashSet<>();
        for (List<Incoming> chunk : Jdbc.chunks(incoming, EVENT_COLUMNS)) {
            storeChunk(c, rig, queueId, chunk, now, stored);
        }
        return stored;
    }

    private static void storeChunk(Connection c, Rig rig, UUID queueId, List<Incoming> incoming, Instant now,
            Set<Long> stored) throws SQLException {
        List<Object> params = new ArrayList<>();
        for (Incoming in : incoming) {
            io.flashrig.proto.rig.v1.BoardEvent event = in.event();
            Applicable parsed = in.parsed();
            params.addAll(List.of(in.eventId(), rig.id, queueId, event.getSequence(),
                    parsed != null ? parsed.serial().value() : EventText.clean(event.getSerial(), MAX_ID),
                    EventText.clean(event.getAttemptId(), MAX_ID), event.getChangeCase().name(),
                    Jdbc.Null.orInstant(parsed != null ? parsed.at() : null), now, event.toByteArray()));
            params.add(in.malformation());
        }
        // An event whose id or queue position is taken (a replay, or another event in this very request) is left out.
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO board_event (event_id, rig_id, queue_id, sequence, serial, attempt_id, kind, occurred_at,
                                         received_at, payload, rejected_reason)
                VALUES %s
                ON CONFLICT DO NOTHING
                RETURNING sequence""".formatted(Jdbc.rows(incoming.size(), EVENT_COLUMNS)))) {
            Jdbc.bind(ps, params.toArray());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getLong(1));
                }
            }
        }
    }

    /**
     * For an event the database already holds (by id or by queue position): no problem for a replay of an applied
     * event, the recorded reason for a replay of a rejected one, and a conflict when id and position belong to
     * different events (an agent reusing a sequence or an event id), which is listed as rejected and never stored twice.
     */
    private static Replay replayVerdict(Connection c, long rigId, UUID queueId, UUID eventId, long sequence)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT event_id, rig_id, queue_id, sequence, rejected_reason FROM board_event
                 WHERE event_id = ? OR (rig_id = ? AND queue_id = ? AND sequence = ?)
                 ORDER BY (rig_id = ? AND queue_id = ? AND sequence = ?) DESC LIMIT 1""")) {
            // The position's own row first: a later event of the same request may already hold this event's id.
            Jdbc.bind(ps, eventId, rigId, queueId, sequence, rigId, queueId, sequence);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean samePosition = rs.getLong(2) == rigId && queueId.equals(rs.getObject(3))
                        && rs.getLong(4) == sequence;
                if (eventId.equals(rs.getObject(1)) && samePosition) {
                    return new Replay(rs.getString(5), false);
                }
                return new Replay(samePosition
                        ? "Sequence " + sequence + " of this queue already holds event " + rs.getObject(1)
                                + "; this event was not stored. Sequences must never be reused."
                        : "Event id " + eventId + " was already used for another event; this event was not stored.",
                        true);
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

    /**
     * Applies the events this request stored, in order, to their boards and flash attempts; those that cannot be applied
     * (an attempt id already belonging to another board or rig) are recorded as rejected, with why.
     */
    private void applyEvents(Connection c, Rig rig, List<Applicable> events, Written written)
            throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        Map<UUID, String> owners = new HashMap<>();
        Map<UUID, Instant> started = new HashMap<>();
        attemptOwners(c, events, owners, started);
        String rigSuffix = "@" + rig.id;
        Map<String, Span> boards = new TreeMap<>();
        Map<UUID, AttemptRow> attempts = new TreeMap<>();
        List<Applicable> accepted = new ArrayList<>();
        for (Applicable e : events) {
            String expectedOwner = e.serial().value() + rigSuffix;
            String owner = owners.putIfAbsent(e.attemptId(), expectedOwner);
            if (owner != null && !owner.equals(expectedOwner)) {
                refuse(c, e, "attempt_id " + e.attemptId() + " already belongs to another board or rig (" + owner + ").",
                        written);
                continue;
            }
            accepted.add(e);
            boards.computeIfAbsent(e.serial().value(), serial -> new Span()).take(e);
            attempts.computeIfAbsent(e.attemptId(), id -> new AttemptRow()).take(e);
        }
        if (accepted.isEmpty()) {
            return;
        }
        writeBoards(c, rig, boards);
        Set<UUID> attemptsWritten = writeAttempts(c, rig, attempts);
        for (Applicable e : accepted) {
            if (!attemptsWritten.contains(e.attemptId())) {
                // Another rig's request created the attempt after the owners were read, and kept it.
                refuse(c, e, "attempt_id " + e.attemptId() + " already belongs to another board or rig.", written);
                continue;
            }
            // The attempt's start as applying the events one by one would have seen it at this event.
            Instant start = started.merge(e.attemptId(), e.at(), (a, b) -> a.isBefore(b) ? a : b);
            applyChange(c, rig, e, start, written.ended);
        }
    }

    private static void refuse(Connection c, Applicable e, String problem, Written written) throws SQLException {
        written.rejectedNow(e.event().getSequence(), problem);
        Jdbc.update(c, "UPDATE board_event SET rejected_reason = ? WHERE event_id = ?", problem, e.eventId());
    }

    /**
     * Fills in who each attempt of {@code events} that the database holds belongs to ({@code serial@rig id}) and when it
     * started.
     */
    private static void attemptOwners(Connection c, List<Applicable> events, Map<UUID, String> owners,
            Map<UUID, Instant> started) throws SQLException {
        String[] ids = events.stream().map(e -> e.attemptId().toString()).distinct().toArray(String[]::new);
        try (PreparedStatement ps = c.prepareStatement("SELECT attempt_id, serial || '@' || rig_id, started_at"
                + " FROM flash_attempt WHERE attempt_id = ANY(?::uuid[])")) {
            Jdbc.bind(ps, (Object) ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    owners.put(id, rs.getString(2));
                    started.put(id, rs.getTimestamp(3).toInstant());
                }
            }
        }
    }

    private static void writeBoards(Connection c, Rig rig, Map<String, Span> boards) throws SQLException {
        for (List<Map.Entry<String, Span>> chunk : Jdbc.chunks(List.copyOf(boards.entrySet()), BOARD_COLUMNS)) {
            List<Object> params = new ArrayList<>();
            chunk.forEach(b -> params.addAll(List.of(b.getKey(), b.getValue().latest.state(), b.getValue().first,
                    b.getValue().last, rig.id, b.getValue().latest.attemptId())));
            writeBoardRows(c, chunk.size(), params);
        }
    }

    private static void writeBoardRows(Connection c, int rows, List<Object> params) throws SQLException {
        Jdbc.update(c, """
                INSERT INTO board (serial, state, first_seen, last_seen, last_rig_id, last_attempt_id)
                VALUES %s
                ON CONFLICT (serial) DO UPDATE SET
                    first_seen = LEAST(board.first_seen, EXCLUDED.first_seen),
                    state = CASE WHEN EXCLUDED.last_seen >= board.last_seen THEN EXCLUDED.state ELSE board.state END,
                    last_rig_id = CASE WHEN EXCLUDED.last_seen >= board.last_seen
                                       THEN EXCLUDED.last_rig_id ELSE board.last_rig_id END,
                    last_attempt_id = CASE WHEN EXCLUDED.last_seen >= board.last_seen
                                           THEN EXCLUDED.last_attempt_id ELSE board.last_attempt_id END,
                    last_seen = GREATEST(board.last_seen, EXCLUDED.last_seen)""".formatted(Jdbc.rows(rows, BOARD_COLUMNS)),
                params.toArray());
    }

    /** Writes the attempts' rows; returns the attempts written (not those another board or rig holds). */
    private static Set<UUID> writeAttempts(Connection c, Rig rig, Map<UUID, AttemptRow> attempts) throws SQLException {
        Set<UUID> written = new HashSet<>();
        for (List<Map.Entry<UUID, AttemptRow>> chunk : Jdbc.chunks(List.copyOf(attempts.entrySet()), ATTEMPT_COLUMNS)) {
            List<Object> params = new ArrayList<>();
            for (Map.Entry<UUID, AttemptRow> a : chunk) {
                AttemptRow row = a.getValue();
                params.addAll(List.of(a.getKey(), row.latest.serial().value(), rig.id));
                params.add(row.portPath);
                params.add(row.slotLabel);
                params.addAll(List.of(Jdbc.Null.orInteger(row.powerUpOrder), row.latest.state(), row.first, row.last,
                        row.rigClockOff));
            }
            writeAttemptRows(c, chunk.size(), params, written);
        }
        return written;
    }

    private static void writeAttemptRows(Connection c, int rows, List<Object> params, Set<UUID> written)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO flash_attempt (attempt_id, serial, rig_id, port_path, slot_label, power_up_order, state,
                                           started_at, last_event_at, rig_clock_off)
                VALUES %s
                ON CONFLICT (attempt_id) DO UPDATE SET
                    state = CASE WHEN EXCLUDED.last_event_at >= flash_attempt.last_event_at
                                 THEN EXCLUDED.state ELSE flash_attempt.state END,
                    last_event_at = GREATEST(flash_attempt.last_event_at, EXCLUDED.last_event_at),
                    started_at = LEAST(flash_attempt.started_at, EXCLUDED.started_at),
                    port_path = COALESCE(flash_attempt.port_path, EXCLUDED.port_path),
                    slot_label = COALESCE(flash_attempt.slot_label, EXCLUDED.slot_label),
                    power_up_order = COALESCE(flash_attempt.power_up_order, EXCLUDED.power_up_order),
                    rig_clock_off = flash_attempt.rig_clock_off OR EXCLUDED.rig_clock_off
                WHERE flash_attempt.serial = EXCLUDED.serial AND flash_attempt.rig_id = EXCLUDED.rig_id
                RETURNING attempt_id""".formatted(Jdbc.rows(rows, ATTEMPT_COLUMNS)))) {
            Jdbc.bind(ps, params.toArray());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    written.add(rs.getObject(1, UUID.class));
                }
            }
        }
    }

    /** What an event changes beyond its board's and attempt's state: the data its change carries. */
    private void applyChange(Connection c, Rig rig, Applicable e, Instant start, List<Ended> ended) throws SQLException {
        io.flashrig.proto.rig.v1.BoardEvent event = e.event();
        UUID attemptId = e.attemptId();
        Instant at = e.at();
        switch (event.getChangeCase()) {
            case FLASH_STARTED -> {
                attempt(c, attemptId, "layout_name = ?, layout_sha256 = ?, flash_started_at = ?",
                        emptyToNull(event.getFlashStarted().getLayoutName()),
                        emptyToNull(event.getFlashStarted().getLayoutSha256()), at);
                AttemptRelease.record(c, attemptId, event.getFlashStarted());
            }
            case FLASHED -> attempt(c, attemptId, "flashed_at = ?", at);
            case MAC_WRITTEN -> attempt(c, attemptId, "mac = ?", MacAddress.parse(event.getMacWritten().getMac())
                    .toString());
            case MAC_VERIFIED -> {
                MacAddress mac = MacAddress.parse(event.getMacVerified().getMac());
                attempt(c, attemptId, "mac = ?, mac_verified_at = ?", mac.toString(), at);
                pool.markFused(e.serial(), mac, rig.id, rig.name, at);
            }
            case DONE -> end(c, attemptId, start, at, "DONE", null, null, List.of(), ended);
            case FAILED -> {
                end(c, attemptId, start, at, "FAILED",
                        event.getFailed().getReason().name().replaceFirst("^FAILURE_REASON_", ""),
                        event.getFailed().getMessage(), event.getFailed().getProgrammerOutputTailList(), ended);
                AttemptRelease.record(c, attemptId, event.getFailed());
            }
            case INTERRUPTED -> end(c, attemptId, start, at, "INTERRUPTED", null,
                    "Unplugged while " + event.getInterrupted().getInterruptedInState().name()
                            .replaceFirst("^" + STATE_PREFIX, ""),
                    event.getInterrupted().getProgrammerOutputTailList(), ended);
            case REMOVED -> attempt(c, attemptId, "removed_at = ?", at);
            default -> {
                // Detection, progress, OTP reads and waiting only move the state, written with the rows above.
            }
        }
    }

    private void end(Connection c, UUID attemptId, Instant start, Instant at, String outcome, String failureCode,
            String message, List<String> outputTail, List<Ended> ended) throws SQLException {
        // Cleaned on arrival, so at most EventText.OUTPUT_TAIL_LINES short lines.
        List<String> tail = outputTail;
        // An attempt ends once; a second end event (e.g. FAILED after DONE) keeps the first outcome.
        int changed = Jdbc.update(c, """
                UPDATE flash_attempt SET ended_at = ?, outcome = ?, failure_code = ?, message = ?,
                       programmer_output_tail = ?
                 WHERE attempt_id = ? AND outcome IS NULL""", at, outcome, failureCode, emptyToNull(message),
                tail.isEmpty() ? null : String.join("\n", tail), attemptId);
        if (changed == 1) {
            ended.add(new Ended(outcome, Duration.between(start, at)));
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

    /**
     * In the database's precision (microseconds), so that events the database would see as simultaneous are compared
     * as such here too.
     */
    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).plusNanos(500).truncatedTo(ChronoUnit.MICROS);
    }

    private static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }
}
