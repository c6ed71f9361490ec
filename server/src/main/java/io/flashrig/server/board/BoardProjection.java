package io.flashrig.server.board;

import io.flashrig.contract.MacAddress;
import io.flashrig.contract.ReleaseManifest;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.Slot;
import io.flashrig.server.pool.PoolService;
import io.flashrig.server.sql.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The projection of stored events onto {@code board} and {@code flash_attempt}, in SQL on the caller's connection.
 *
 * <p>Set-based: a request's boards and flash attempts are each written with one statement, every row once, with what
 * applying the events one by one would have left (the latest state, the earliest start, the first slot seen). Only the
 * rarer changes that carry their own data (flash started, flashed, MAC written or verified, ended, removed) take a
 * statement of their own. Rows are written in key order, so two requests touching the same boards lock them in the
 * same order.
 */
final class BoardProjection {

    private static final int BOARD_COLUMNS = 6;
    private static final int ATTEMPT_COLUMNS = 10;

    /**
     * What a request's events leave in one row: the earliest and latest time, and the latest event (ties go to the later
     * one, as when each event was applied after the one before it).
     */
    private static class Span {
        Instant first;
        Instant last;
        IncomingEvent.Parsed latest;

        void take(IncomingEvent.Parsed e) {
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
        void take(IncomingEvent.Parsed e) {
            super.take(e);
            rigClockOff |= e.rigClockAhead();
            Slot slot = e.event().getSlot();
            portPath = portPath != null ? portPath : emptyToNull(slot.getPortPath());
            slotLabel = slotLabel != null ? slotLabel : emptyToNull(slot.getLabel());
            powerUpOrder = powerUpOrder != null || slot.getPowerUpOrder() == 0 ? powerUpOrder
                    : Integer.valueOf(slot.getPowerUpOrder());
        }
    }

    private final PoolService pool;

    BoardProjection(PoolService pool) {
        this.pool = pool;
    }

    /**
     * Applies the events this request stored, in order, to their boards and flash attempts; those that cannot be applied
     * (an attempt id already belonging to another board or rig) are recorded as rejected, with why.
     */
    void apply(Connection c, EventSource source, List<IncomingEvent.Parsed> events, RequestOutcome outcome)
            throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        Map<UUID, String> owners = new HashMap<>();
        Map<UUID, Instant> started = new HashMap<>();
        attemptOwners(c, events, owners, started);
        String rigSuffix = "@" + source.rigId();
        Map<String, Span> boards = new TreeMap<>();
        Map<UUID, AttemptRow> attempts = new TreeMap<>();
        List<IncomingEvent.Parsed> accepted = new ArrayList<>();
        for (IncomingEvent.Parsed e : events) {
            String expectedOwner = e.serial().value() + rigSuffix;
            String owner = owners.putIfAbsent(e.attemptId(), expectedOwner);
            if (owner != null && !owner.equals(expectedOwner)) {
                refuse(c, e, "attempt_id " + e.attemptId() + " already belongs to another board or rig (" + owner + ").",
                        outcome);
                continue;
            }
            accepted.add(e);
            boards.computeIfAbsent(e.serial().value(), serial -> new Span()).take(e);
            attempts.computeIfAbsent(e.attemptId(), id -> new AttemptRow()).take(e);
        }
        if (accepted.isEmpty()) {
            return;
        }
        writeBoards(c, source, boards);
        Set<UUID> attemptsWritten = writeAttempts(c, source, attempts);
        for (IncomingEvent.Parsed e : accepted) {
            if (!attemptsWritten.contains(e.attemptId())) {
                // Another rig's request created the attempt after the owners were read, and kept it.
                refuse(c, e, "attempt_id " + e.attemptId() + " already belongs to another board or rig.", outcome);
                continue;
            }
            // The attempt's start as applying the events one by one would have seen it at this event.
            Instant start = started.merge(e.attemptId(), e.at(), (a, b) -> a.isBefore(b) ? a : b);
            applyChange(c, source, e, start, outcome.ended);
        }
    }

    private static void refuse(Connection c, IncomingEvent.Parsed e, String problem, RequestOutcome outcome)
            throws SQLException {
        outcome.rejectedNow(e.event().getSequence(), problem);
        EventLog.markRefused(c, e.eventId(), problem);
    }

    /**
     * Fills in who each attempt of {@code events} that the database holds belongs to ({@code serial@rig id}) and when it
     * started.
     */
    private static void attemptOwners(Connection c, List<IncomingEvent.Parsed> events, Map<UUID, String> owners,
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

    private static void writeBoards(Connection c, EventSource source, Map<String, Span> boards) throws SQLException {
        for (List<Map.Entry<String, Span>> chunk : Jdbc.chunks(List.copyOf(boards.entrySet()), BOARD_COLUMNS)) {
            List<Object> params = new ArrayList<>();
            chunk.forEach(b -> params.addAll(List.of(b.getKey(), b.getValue().latest.state(), b.getValue().first,
                    b.getValue().last, source.rigId(), b.getValue().latest.attemptId())));
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
    private static Set<UUID> writeAttempts(Connection c, EventSource source, Map<UUID, AttemptRow> attempts)
            throws SQLException {
        Set<UUID> written = new HashSet<>();
        for (List<Map.Entry<UUID, AttemptRow>> chunk : Jdbc.chunks(List.copyOf(attempts.entrySet()), ATTEMPT_COLUMNS)) {
            List<Object> params = new ArrayList<>();
            for (Map.Entry<UUID, AttemptRow> a : chunk) {
                AttemptRow row = a.getValue();
                params.addAll(List.of(a.getKey(), row.latest.serial().value(), source.rigId()));
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
    private void applyChange(Connection c, EventSource source, IncomingEvent.Parsed e, Instant start,
            List<RequestOutcome.Ended> ended) throws SQLException {
        BoardEvent event = e.event();
        UUID attemptId = e.attemptId();
        Instant at = e.at();
        switch (event.getChangeCase()) {
            case FLASH_STARTED -> {
                FlashStarted started = event.getFlashStarted();
                attempt(c, attemptId, "layout_name = ?, layout_sha256 = ?, flash_started_at = ?",
                        emptyToNull(started.getLayoutName()), emptyToNull(started.getLayoutSha256()), at);
                release(c, attemptId, started.getReleaseName(), started.getManifestSha256());
            }
            case FLASHED -> attempt(c, attemptId, "flashed_at = ?", at);
            case MAC_WRITTEN -> attempt(c, attemptId, "mac = ?", MacAddress.parse(event.getMacWritten().getMac())
                    .toString());
            case MAC_VERIFIED -> {
                MacAddress mac = MacAddress.parse(event.getMacVerified().getMac());
                attempt(c, attemptId, "mac = ?, mac_verified_at = ?", mac.toString(), at);
                pool.markFused(e.serial(), mac, source.rigId(), source.rigName(), at);
            }
            case DONE -> end(c, attemptId, start, at, "DONE", null, null, List.of(), ended);
            case FAILED -> {
                BoardFailed failed = event.getFailed();
                end(c, attemptId, start, at, "FAILED", WireNames.shortName(failed.getReason()), failed.getMessage(),
                        failed.getProgrammerOutputTailList(), ended);
                // An image refused against its release (IMAGE_MISMATCH) never started a flash: this is where it is told.
                release(c, attemptId, failed.getReleaseName(), failed.getManifestSha256());
            }
            case INTERRUPTED -> end(c, attemptId, start, at, "INTERRUPTED", null,
                    "Unplugged while " + WireNames.shortName(event.getInterrupted().getInterruptedInState()),
                    event.getInterrupted().getProgrammerOutputTailList(), ended);
            case REMOVED -> attempt(c, attemptId, "removed_at = ?", at);
            default -> {
                // Detection, progress, OTP reads and waiting only move the state, written with the rows above.
            }
        }
    }

    private static void end(Connection c, UUID attemptId, Instant start, Instant at, String outcome, String failureCode,
            String message, List<String> outputTail, List<RequestOutcome.Ended> ended) throws SQLException {
        // Cleaned on arrival, so at most EventText.OUTPUT_TAIL_LINES short lines.
        List<String> tail = outputTail;
        // An attempt ends once; a second end event (e.g. FAILED after DONE) keeps the first outcome.
        int changed = Jdbc.update(c, """
                UPDATE flash_attempt SET ended_at = ?, outcome = ?, failure_code = ?, message = ?,
                       programmer_output_tail = ?
                 WHERE attempt_id = ? AND outcome IS NULL""", at, outcome, failureCode, emptyToNull(message),
                tail.isEmpty() ? null : String.join("\n", tail), attemptId);
        if (changed == 1) {
            ended.add(new RequestOutcome.Ended(outcome, Duration.between(start, at)));
        }
    }

    /**
     * The release the agent verified the image against. A value that cannot be a release name or a manifest hash is
     * recorded as unknown rather than refusing the event: the event is the board's history, the release only annotates
     * it. The first report stays, so that a replayed or late event never relabels the image a board got.
     */
    private static void release(Connection c, UUID attemptId, String name, String manifestSha256)
            throws SQLException {
        if (!ReleaseManifest.isName(name)) {
            return;
        }
        Jdbc.update(c, """
                UPDATE flash_attempt SET release_name = ?, manifest_sha256 = ?
                 WHERE attempt_id = ? AND release_name IS NULL""",
                name, ReleaseManifest.isSha256(manifestSha256) ? manifestSha256 : null, attemptId);
    }

    private static void attempt(Connection c, UUID attemptId, String assignments, Object... values)
            throws SQLException {
        Object[] params = new Object[values.length + 1];
        System.arraycopy(values, 0, params, 0, values.length);
        params[values.length] = attemptId;
        Jdbc.update(c, "UPDATE flash_attempt SET " + assignments + " WHERE attempt_id = ?", params);
    }

    private static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }
}
