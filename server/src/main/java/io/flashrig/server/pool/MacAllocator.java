package io.flashrig.server.pool;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.sql.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MAC pool's SQL, on whatever connection (and transaction) the caller gives. The database holds the invariants:
 * the primary key on {@code mac_assignment.mac} and the unique serial, a per-serial advisory lock so that concurrent
 * calls for one serial on any replica see each other's result, and a row lock on the stripe of the range whose next
 * address is taken (V25: several stripes per range, each handing out its addresses in ascending order).
 * No in-memory lock is involved, so any number of server replicas may share one PostgreSQL.
 */
public final class MacAllocator {

    /** A serial's MAC and whether this call handed it out. */
    public record Assignment(MacAddress mac, MacAssignment.State state, boolean newlyAssigned) {
    }

    /** What a MAC found in a board's OTP turned out to be. */
    public enum Verdict { CONFIRMED, ADOPTED, EXTERNAL, CONFLICT, MISMATCH }

    /** The verdict, with the other party of a conflict (the owner's serial or the serial's assigned MAC). */
    public record OtpOutcome(Verdict verdict, MacAddress mac, String other) {
    }

    /** What became of a claim of a MAC's OTP write. */
    public enum ClaimVerdict {
        /** The write is the caller's (first claim, or the same write id again). */
        CLAIMED,
        /** The serial has no MAC, or another one than the caller means to write. */
        MISMATCH,
        /** The MAC is already verified in a board's OTP: a second chip reports the serial. */
        FUSED,
        /** Another write id claimed this MAC's write first. */
        TAKEN
    }

    /**
     * The outcome of a claim: for CLAIMED and TAKEN, who holds the claim and since when; for MISMATCH, the serial's
     * MAC (null when it has none).
     */
    public record ClaimOutcome(ClaimVerdict verdict, MacAddress mac, String holderRig, Instant claimedAt) {
    }

    /** A serial's MAC as the database holds it, with the claim of its write, if any. */
    private record Held(MacAddress mac, MacAssignment.State state, String writeId, String writeRig,
            Instant writeClaimedAt) {
    }

    /** One board's ask for a MAC, for {@link #assignAll}. */
    public record Ask(BoardSerial serial, Long rigId, String attemptId) {
    }

    /** What {@link #assignAll} made of an ask: its assignment, its refusal, or neither: ask it alone. */
    public record Outcome(Assignment assignment, DomainException refusal) {
        static final Outcome ASK_ALONE = new Outcome(null, null);

        public boolean askAlone() {
            return assignment == null && refusal == null;
        }
    }

    /** flashrig_assign_mac's row: HELD (mac, state), ASSIGNED (mac) or EXHAUSTED; flashrig_assign_macs' also SINGLE. */
    private record Answer(String outcome, long mac, String state) {
    }

    /** A row of flashrig_assign_macs: the answer for the serial at idx (1-based). */
    private record Indexed(int idx, Answer answer) {
    }

    /** flashrig_assign_mac's refusal of a rig past its quota (V25). */
    private static final String RIG_QUOTA_TAKEN = "FRQ01";

    private final RigQuota quota;

    public MacAllocator(RigQuota quota) {
        this.quota = quota;
    }

    /**
     * Returns the serial's MAC, taking the next free address of the first active range on the first call, if the rig's
     * quota of new MACs allows. One statement ({@code flashrig_assign_mac}, V25): on an autocommit connection a call is
     * one round trip, and the range's stripe stays locked only while the database works, never across a client's
     * round trips.
     */
    public Assignment assign(Connection c, BoardSerial serial, Long rigId, String attemptId, Instant now)
            throws SQLException {
        // In the caller's transaction, the refusal must undo only this statement.
        Savepoint before = c.getAutoCommit() ? null : c.setSavepoint();
        Answer answer;
        try {
            answer = Jdbc.single(c, "SELECT outcome, mac, state FROM flashrig_assign_mac(?, ?, ?, ?, ?, ?, ?)",
                    rs -> new Answer(rs.getString(1), rs.getLong(2), rs.getString(3)), serial.value(),
                    Jdbc.Null.orLong(rigId), attemptId, now, quota.defaultNewMacsPerHour(), RigQuota.minute(now),
                    RigQuota.windowStart(now));
        } catch (SQLException e) {
            if (!RIG_QUOTA_TAKEN.equals(e.getSQLState())) {
                throw e;
            }
            if (before != null) {
                c.rollback(before);
            }
            // Nothing was written; the refusal and its alert are recorded the way every quota refusal is.
            Jdbc.inTransaction(c, () -> quota.check(c, rigId, serial, now));
            // The hour rolled on between the two looks: the rig may take its MAC after all.
            return assign(c, serial, rigId, attemptId, now);
        }
        return answered(answer, serial);
    }

    /**
     * The MACs of several boards in one statement ({@code flashrig_assign_macs}, V32): one round trip, one transaction
     * and one stripe lock for them all. {@code asks} must name distinct serials; the outcomes come in their order. An
     * ask whose rig may be near its quota, or every ask when a rig went past it meanwhile, comes back to be asked alone
     * ({@link #assign}), which refuses and records as every quota refusal is. On an autocommit connection. A single ask
     * is asked alone at once: the one-board statement costs the database half what a batch of one does.
     */
    public List<Outcome> assignAll(Connection c, List<Ask> asks, Instant now) throws SQLException {
        int size = asks.size();
        if (size == 1) {
            Ask ask = asks.get(0);
            try {
                return List.of(new Outcome(assign(c, ask.serial(), ask.rigId(), ask.attemptId(), now), null));
            } catch (DomainException refused) {
                return List.of(new Outcome(null, refused));
            }
        }
        String[] serials = new String[size];
        Long[] rigs = new Long[size];
        String[] attempts = new String[size];
        for (int i = 0; i < size; i++) {
            serials[i] = asks.get(i).serial().value();
            rigs[i] = asks.get(i).rigId();
            attempts[i] = asks.get(i).attemptId();
        }
        Answer[] answers = new Answer[size];
        try {
            for (Indexed row : Jdbc.query(c, "SELECT idx, outcome, mac, state FROM flashrig_assign_macs(?, ?, ?, ?, ?, ?, ?)",
                    rs -> new Indexed(rs.getInt(1), new Answer(rs.getString(2), rs.getLong(3), rs.getString(4))),
                    c.createArrayOf("text", serials), c.createArrayOf("bigint", rigs), c.createArrayOf("text", attempts),
                    now, quota.defaultNewMacsPerHour(), RigQuota.minute(now), RigQuota.windowStart(now))) {
                answers[row.idx() - 1] = row.answer();
            }
        } catch (SQLException e) {
            if (!RIG_QUOTA_TAKEN.equals(e.getSQLState())) {
                throw e;
            }
            // Nothing was written: each ask alone, so that the rig past its quota is refused and recorded.
            answers = new Answer[size];
        }
        List<Outcome> outcomes = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Answer answer = answers[i];
            if (answer == null || answer.outcome().equals("SINGLE")) {
                outcomes.add(Outcome.ASK_ALONE);
                continue;
            }
            try {
                outcomes.add(new Outcome(answered(answer, asks.get(i).serial()), null));
            } catch (DomainException refused) {
                outcomes.add(new Outcome(null, refused));
            }
        }
        return outcomes;
    }

    /** What flashrig_assign_mac or flashrig_assign_macs answered for one serial, or its refusal. */
    private static Assignment answered(Answer answer, BoardSerial serial) {
        return switch (answer.outcome()) {
            case "HELD" -> {
                Assignment held = new Assignment(new MacAddress(answer.mac()),
                        MacAssignment.State.valueOf(answer.state()), false);
                refuseIfQuarantined(held.mac(), held.state(), serial);
                yield held;
            }
            case "ASSIGNED" -> new Assignment(new MacAddress(answer.mac()), MacAssignment.State.ASSIGNED, true);
            case "EXHAUSTED" -> throw new DomainException(DomainException.Kind.EXHAUSTED,
                    ErrorReason.ERROR_REASON_MAC_POOL_EXHAUSTED, "The MAC pool is empty: no active MAC range has an"
                    + " address left. An admin must add a range (POST /api/v1/mac-ranges) before more boards can be"
                    + " fused.", Map.of());
            default -> throw new IllegalStateException("the MAC assignment answered " + answer.outcome());
        };
    }

    /**
     * Claims the one OTP write of the serial's MAC for {@code writeId}. Under the serial's lock, so that of two claims
     * racing on any replicas exactly one wins; a claim is never given up by time or by a failed attempt, since a write
     * may have begun: only the MAC's verification in OTP, or an admin, ends it.
     */
    public ClaimOutcome claimWrite(Connection c, BoardSerial serial, MacAddress mac, String writeId, Long rigId,
            String attemptId, Instant now) throws SQLException {
        lockSerial(c, serial);
        Held held = heldBy(c, serial);
        if (held == null || !held.mac().equals(mac)) {
            return new ClaimOutcome(ClaimVerdict.MISMATCH, held == null ? null : held.mac(), null, null);
        }
        refuseIfQuarantined(held, serial);
        if (held.state() == MacAssignment.State.FUSED) {
            return new ClaimOutcome(ClaimVerdict.FUSED, mac, null, null);
        }
        if (held.writeId() != null) {
            return new ClaimOutcome(held.writeId().equals(writeId) ? ClaimVerdict.CLAIMED : ClaimVerdict.TAKEN, mac,
                    held.writeRig(), held.writeClaimedAt());
        }
        // As PostgreSQL stores it, so that a resumed claim answers the same time as the first.
        Instant claimedAt = now.truncatedTo(ChronoUnit.MICROS);
        Jdbc.update(c, """
                UPDATE mac_assignment SET write_id = ?, write_rig_id = ?, write_attempt_id = ?, write_claimed_at = ?
                 WHERE board_serial = ?""", writeId, Jdbc.Null.orLong(rigId), attemptId, claimedAt, serial.value());
        return new ClaimOutcome(ClaimVerdict.CLAIMED, mac, null, claimedAt);
    }

    /** An admin saw the claimed write never reach the board: the MAC may be claimed again. False without a claim. */
    public boolean releaseWrite(Connection c, MacAddress mac) throws SQLException {
        return Jdbc.update(c, """
                UPDATE mac_assignment SET write_id = NULL, write_rig_id = NULL, write_attempt_id = NULL,
                       write_claimed_at = NULL
                 WHERE mac = ? AND state = 'ASSIGNED' AND write_id IS NOT NULL""", mac.value()) == 1;
    }

    /** An admin takes the MAC out of use for good; false when it already was. */
    public boolean quarantine(Connection c, MacAddress mac, String reason, Instant now) throws SQLException {
        return Jdbc.update(c, """
                UPDATE mac_assignment SET state = 'QUARANTINED', quarantined_at = ?, quarantine_reason = ?
                 WHERE mac = ? AND state <> 'QUARANTINED'""", now, reason, mac.value()) == 1;
    }

    /** Decides what a MAC found already burnt in a board's OTP is, recording it unless it conflicts. */
    public OtpOutcome reportOtp(Connection c, BoardSerial serial, MacAddress mac, Long rigId, String attemptId,
            Instant now) throws SQLException {
        lockSerial(c, serial);
        Held held = heldBy(c, serial);
        if (held != null) {
            if (!held.mac().equals(mac)) {
                return new OtpOutcome(Verdict.MISMATCH, mac, held.mac().toString());
            }
            refuseIfQuarantined(held, serial);
            markFused(c, serial, mac, now);
            return new OtpOutcome(Verdict.CONFIRMED, mac, null);
        }
        Long rangeId = rangeHolding(c, mac);
        MacAssignment.Origin origin = rangeId == null ? MacAssignment.Origin.EXTERNAL : MacAssignment.Origin.ADOPTED;
        if (origin == MacAssignment.Origin.ADOPTED) {
            // A conflict is told as such even to a rig past its quota: it fails the board and alerts an admin.
            String owner = ownerOf(c, mac);
            if (owner != null) {
                return new OtpOutcome(Verdict.CONFLICT, mac, owner);
            }
            // An adoption takes an address from the pool; an external MAC takes nothing from it.
            quota.check(c, rigId, serial, now);
        }
        if (insert(c, mac, serial, rangeId, MacAssignment.State.FUSED, origin, rigId, attemptId, now)) {
            if (origin == MacAssignment.Origin.ADOPTED) {
                quota.count(c, rigId, now);
            }
            return new OtpOutcome(rangeId == null ? Verdict.EXTERNAL : Verdict.ADOPTED, mac, null);
        }
        return new OtpOutcome(Verdict.CONFLICT, mac, ownerOf(c, mac));
    }

    /** The serial of the board the MAC belongs to, or null. */
    private static String ownerOf(Connection c, MacAddress mac) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT board_serial FROM mac_assignment WHERE mac = ?")) {
            ps.setLong(1, mac.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Marks the serial's MAC as read back from OTP; false when that MAC is not the serial's. */
    public boolean markFused(Connection c, BoardSerial serial, MacAddress mac, Instant now) throws SQLException {
        return Jdbc.update(c, """
                UPDATE mac_assignment SET state = CASE WHEN state = 'ASSIGNED' THEN 'FUSED' ELSE state END,
                       fused_at = COALESCE(fused_at, ?)
                 WHERE mac = ? AND board_serial = ?""", now, mac.value(), serial.value()) == 1;
    }

    /** A quarantined board was scrapped by an admin: it is neither fused nor confirmed, wherever it turns up. */
    private static void refuseIfQuarantined(Held held, BoardSerial serial) {
        refuseIfQuarantined(held.mac(), held.state(), serial);
    }

    private static void refuseIfQuarantined(MacAddress mac, MacAssignment.State state, BoardSerial serial) {
        if (state == MacAssignment.State.QUARANTINED) {
            throw new DomainException(DomainException.Kind.FAILED_PRECONDITION,
                    ErrorReason.ERROR_REASON_MAC_QUARANTINED, "The MAC " + mac + " of board " + serial
                    + " was quarantined by an admin; do not fuse this board.", Map.of("mac", mac.toString()));
        }
    }

    private static void lockSerial(Connection c, BoardSerial serial) throws SQLException {
        Jdbc.lockUntilCommit(c, serial.value());
    }

    private static Held heldBy(Connection c, BoardSerial serial) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.mac, a.state, a.write_id, r.name, a.write_claimed_at
                  FROM mac_assignment a LEFT JOIN rig r ON r.id = a.write_rig_id
                 WHERE a.board_serial = ?""")) {
            ps.setString(1, serial.value());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Timestamp claimed = rs.getTimestamp(5);
                return new Held(new MacAddress(rs.getLong(1)), MacAssignment.State.valueOf(rs.getString(2)),
                        rs.getString(3), rs.getString(4), claimed == null ? null : claimed.toInstant());
            }
        }
    }

    private static Long rangeHolding(Connection c, MacAddress mac) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM mac_range WHERE int8range(first_mac, last_mac, '[]') @> ?::bigint")) {
            ps.setLong(1, mac.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static boolean insert(Connection c, MacAddress mac, BoardSerial serial, Long rangeId,
            MacAssignment.State state, MacAssignment.Origin origin, Long rigId, String attemptId, Instant now)
            throws SQLException {
        return Jdbc.update(c, """
                INSERT INTO mac_assignment (mac, board_serial, range_id, state, origin, rig_id, attempt_id,
                                            assigned_at, fused_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (mac) DO NOTHING""", mac.value(), serial.value(), Jdbc.Null.orLong(rangeId), state.name(),
                origin.name(), Jdbc.Null.orLong(rigId), attemptId, now,
                Jdbc.Null.orInstant(state == MacAssignment.State.FUSED ? now : null)) == 1;
    }
}
