package io.flashrig.server.board;

import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.server.sql.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The event log's SQL ({@code board_event} and {@code event_queue}), on whatever connection (and transaction) the caller
 * gives. Every event a rig sends is stored once, by id and by queue position, malformed ones too with why; the
 * acknowledged position of each queue only moves forward.
 */
final class EventLog {

    /** What a request's event that the database already holds is: a replay (its recorded problem, if any) or a conflict. */
    record Replay(String problem, boolean conflict) {
    }

    private static final int EVENT_COLUMNS = 11;

    private EventLog() {
    }

    /** Stores the request's events that the database does not hold yet; returns the sequences it stored. */
    static Set<Long> store(Connection c, EventSource source, List<IncomingEvent> incoming, Instant now)
            throws SQLException {
        Set<Long> stored = new HashSet<>();
        for (List<IncomingEvent> chunk : Jdbc.chunks(incoming, EVENT_COLUMNS)) {
            storeChunk(c, source, chunk, now, stored);
        }
        return stored;
    }

    private static void storeChunk(Connection c, EventSource source, List<IncomingEvent> incoming, Instant now,
            Set<Long> stored) throws SQLException {
        List<Object> params = new ArrayList<>();
        for (IncomingEvent in : incoming) {
            BoardEvent event = in.event();
            IncomingEvent.Parsed parsed = in.parsed();
            params.addAll(List.of(in.eventId(), source.rigId(), source.queueId(), event.getSequence(),
                    parsed != null ? parsed.serial().value() : EventText.clean(event.getSerial(), IncomingEvent.MAX_ID),
                    EventText.clean(event.getAttemptId(), IncomingEvent.MAX_ID), event.getChangeCase().name(),
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
    static Replay replayVerdict(Connection c, EventSource source, UUID eventId, long sequence) throws SQLException {
        long rigId = source.rigId();
        UUID queueId = source.queueId();
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

    /** Records why a stored event could not be applied after all. */
    static void markRefused(Connection c, UUID eventId, String problem) throws SQLException {
        Jdbc.update(c, "UPDATE board_event SET rejected_reason = ? WHERE event_id = ?", problem, eventId);
    }

    /** Moves the queue's acknowledged position up to the request's last sequence; returns the position now held. */
    static long advanceQueue(Connection c, EventSource source, long highest) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO event_queue (rig_id, queue_id, committed_through_sequence) VALUES (?, ?, ?)
                ON CONFLICT (rig_id, queue_id) DO UPDATE SET committed_through_sequence =
                    GREATEST(event_queue.committed_through_sequence, EXCLUDED.committed_through_sequence)
                RETURNING committed_through_sequence""")) {
            Jdbc.bind(ps, source.rigId(), source.queueId(), highest);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
