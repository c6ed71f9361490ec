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
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The MAC pool's SQL, on whatever connection (and transaction) the caller gives. The database holds the invariants:
 * the primary key on {@code mac_assignment.mac} and the unique serial, a per-serial advisory lock so that concurrent
 * calls for one serial on any replica see each other's result, and a row lock on the range whose offset advances.
 * No in-memory lock is involved, so any number of server replicas may share one PostgreSQL.
 */
public final class MacAllocator {

    /**
     * A serial's MAC, whether this call handed it out, and the write lease the calling rig now holds on it (null when
     * there is nothing left to write: the MAC is FUSED, or no rig asked).
     */
    public record Assignment(MacAddress mac, MacAssignment.State state, boolean newlyAssigned, Instant leaseUntil) {
    }

    /** What a MAC found in a board's OTP turned out to be. */
    public enum Verdict { CONFIRMED, ADOPTED, EXTERNAL, CONFLICT, MISMATCH }

    /** The verdict, with the other party of a conflict (the owner's serial or the serial's assigned MAC). */
    public record OtpOutcome(Verdict verdict, MacAddress mac, String other) {
    }

    /** Another rig holds the serial's live write lease: the caller must not write the MAC. */
    public static final class SerialInUse extends RuntimeException {
        private final transient MacAddress mac;
        private final String rig;
        private final transient Instant leaseUntil;

        SerialInUse(MacAddress mac, String rig, Instant leaseUntil) {
            super("serial in use by rig " + rig + " until " + leaseUntil, null, false, false);
            this.mac = mac;
            this.rig = rig;
            this.leaseUntil = leaseUntil;
        }

        public MacAddress mac() {
            return mac;
        }

        public String rig() {
            return rig;
        }

        public Instant leaseUntil() {
            return leaseUntil;
        }
    }

    /** A serial's MAC as the database holds it, with the rig holding its write lease, if any lease is live. */
    private record Held(MacAddress mac, MacAssignment.State state, Long leaseRigId, String leaseRig,
            Instant leaseUntil) {
    }

    /**
     * Returns the serial's MAC, taking the next free address of the first active range on the first call. While the MAC
     * is ASSIGNED, the calling rig takes (or renews) its write lease for {@code lease}; another rig's live lease is a
     * refusal, since then two chips report one serial at once.
     */
    public Assignment assign(Connection c, BoardSerial serial, Long rigId, String attemptId, Instant now,
            Duration lease) throws SQLException {
        lockSerial(c, serial);
        Instant leaseUntil = rigId == null ? null : now.plus(lease);
        Held held = heldBy(c, serial);
        if (held != null) {
            refuseIfQuarantined(held, serial);
            if (held.state() != MacAssignment.State.ASSIGNED) {
                return new Assignment(held.mac(), held.state(), false, null);
            }
            if (held.leaseRigId() != null && !held.leaseRigId().equals(rigId) && held.leaseUntil().isAfter(now)) {
                throw new SerialInUse(held.mac(), held.leaseRig(), held.leaseUntil());
            }
            Jdbc.update(c, """
                    UPDATE mac_assignment SET lease_rig_id = ?, lease_attempt_id = ?, lease_until = ?
                     WHERE board_serial = ?""", Jdbc.Null.orLong(rigId), leaseUntil == null ? null : attemptId,
                    Jdbc.Null.orInstant(leaseUntil), serial.value());
            return new Assignment(held.mac(), held.state(), false, leaseUntil);
        }
        while (true) {
            long[] taken = takeNextAddress(c);
            if (taken == null) {
                if (!anyRangeHasRoom(c)) {
                    throw new DomainException(DomainException.Kind.EXHAUSTED, ErrorReason.ERROR_REASON_MAC_POOL_EXHAUSTED,
                            "The MAC pool is empty: no active MAC range has an address left. An admin must add a"
                                    + " range (POST /api/v1/mac-ranges) before more boards can be fused.", Map.of());
                }
                continue;
            }
            MacAddress mac = new MacAddress(taken[1]);
            // Skip an address a read could not tell from blank OTP, or one adopted from a board's OTP earlier.
            if (mac.fusable() && insert(c, mac, serial, taken[0], MacAssignment.State.ASSIGNED,
                    MacAssignment.Origin.POOL, rigId, attemptId, now, leaseUntil)) {
                return new Assignment(mac, MacAssignment.State.ASSIGNED, true, leaseUntil);
            }
        }
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
        if (insert(c, mac, serial, rangeId, MacAssignment.State.FUSED, origin, rigId, attemptId, now, null)) {
            return new OtpOutcome(rangeId == null ? Verdict.EXTERNAL : Verdict.ADOPTED, mac, null);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT board_serial FROM mac_assignment WHERE mac = ?")) {
            ps.setLong(1, mac.value());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new OtpOutcome(Verdict.CONFLICT, mac, rs.getString(1));
            }
        }
    }

    /**
     * Marks the serial's MAC as read back from OTP, which ends its write lease; false when that MAC is not the
     * serial's.
     */
    public boolean markFused(Connection c, BoardSerial serial, MacAddress mac, Instant now) throws SQLException {
        return Jdbc.update(c, """
                UPDATE mac_assignment SET state = CASE WHEN state = 'ASSIGNED' THEN 'FUSED' ELSE state END,
                       fused_at = COALESCE(fused_at, ?), lease_rig_id = NULL, lease_attempt_id = NULL, lease_until = NULL
                 WHERE mac = ? AND board_serial = ?""", now, mac.value(), serial.value()) == 1;
    }

    /** The attempt that held the serial's write lease ended: the lease ends with it (a later attempt's stays). */
    public void releaseLease(Connection c, BoardSerial serial, String attemptId) throws SQLException {
        Jdbc.update(c, """
                UPDATE mac_assignment SET lease_rig_id = NULL, lease_attempt_id = NULL, lease_until = NULL
                 WHERE board_serial = ? AND lease_attempt_id = ?""", serial.value(), attemptId);
    }

    /** A quarantined board was scrapped by an admin: it is neither fused nor confirmed, wherever it turns up. */
    private static void refuseIfQuarantined(Held held, BoardSerial serial) {
        if (held.state() == MacAssignment.State.QUARANTINED) {
            throw new DomainException(DomainException.Kind.FAILED_PRECONDITION,
                    ErrorReason.ERROR_REASON_MAC_QUARANTINED, "The MAC " + held.mac() + " of board " + serial
                    + " was quarantined by an admin; do not fuse this board.", Map.of("mac", held.mac().toString()));
        }
    }

    private static void lockSerial(Connection c, BoardSerial serial) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, serial.value());
            ps.execute();
        }
    }

    private static Held heldBy(Connection c, BoardSerial serial) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.mac, a.state, a.lease_rig_id, r.name, a.lease_until
                  FROM mac_assignment a LEFT JOIN rig r ON r.id = a.lease_rig_id
                 WHERE a.board_serial = ?""")) {
            ps.setString(1, serial.value());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Timestamp until = rs.getTimestamp(5);
                return new Held(new MacAddress(rs.getLong(1)), MacAssignment.State.valueOf(rs.getString(2)),
                        (Long) rs.getObject(3), rs.getString(4), until == null ? null : until.toInstant());
            }
        }
    }

    /** {range id, MAC} of the address taken, or null when no range had room at the moment of the lock. */
    private static long[] takeNextAddress(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE mac_range SET next_offset = next_offset + 1
                 WHERE id = (SELECT id FROM mac_range
                              WHERE retired_at IS NULL AND next_offset <= last_mac - first_mac
                              ORDER BY first_mac LIMIT 1 FOR UPDATE)
                RETURNING id, first_mac + next_offset - 1""");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
        }
    }

    private static boolean anyRangeHasRoom(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM mac_range WHERE retired_at IS NULL AND next_offset <= last_mac - first_mac)");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
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
            MacAssignment.State state, MacAssignment.Origin origin, Long rigId, String attemptId, Instant now,
            Instant leaseUntil) throws SQLException {
        return Jdbc.update(c, """
                INSERT INTO mac_assignment (mac, board_serial, range_id, state, origin, rig_id, attempt_id,
                                            assigned_at, fused_at, lease_rig_id, lease_attempt_id, lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (mac) DO NOTHING""", mac.value(), serial.value(), Jdbc.Null.orLong(rangeId), state.name(),
                origin.name(), Jdbc.Null.orLong(rigId), attemptId, now,
                Jdbc.Null.orInstant(state == MacAssignment.State.FUSED ? now : null),
                Jdbc.Null.orLong(leaseUntil == null ? null : rigId), leaseUntil == null ? null : attemptId,
                Jdbc.Null.orInstant(leaseUntil)) == 1;
    }
}
