package io.flashrig.server.pool;

import io.flashrig.contract.BoardSerial;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.sql.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * A rig's quota of new MACs per rolling hour: what one leaked rig token can take from the pool. Counted in the
 * database (V25's {@code flashrig_rig_quota} and {@code flashrig_count_rig_mac}, which the pool's assignment uses too),
 * in the transaction of the assignment and under a per-rig advisory lock, so that the rig's calls on every
 * replica are checked and counted one after another and never let it past its quota together.
 *
 * <p>MACs are counted per minute; a minute's count leaves the window once that whole minute is more than an hour
 * old, so a MAC weighs on the quota for 60 to 61 minutes: never less than the promised hour.
 */
public final class RigQuota {

    private static final Duration WINDOW = Duration.ofHours(1);

    /** A rig's quota and the new MACs it took within the window. */
    private record Standing(String rig, int limit, long taken) {
    }

    private final int defaultNewMacsPerHour;

    public RigQuota(int defaultNewMacsPerHour) {
        this.defaultNewMacsPerHour = defaultNewMacsPerHour;
    }

    /**
     * Refuses (RIG_QUOTA_EXCEEDED) when the rig took its quota of new MACs in the last hour, raising one alert per rig
     * per hour for an admin. Holds the rig's lock until the transaction ends, so that the {@link #count} that follows a
     * successful assignment is seen by the rig's next check on any replica. A null rig (no rig token) has no quota.
     */
    void check(Connection c, Long rigId, BoardSerial serial, Instant now) throws SQLException {
        if (rigId == null) {
            return;
        }
        Standing standing = Jdbc.single(c, "SELECT rig_name, new_macs_per_hour, taken FROM flashrig_rig_quota(?, ?, ?)",
                rs -> new Standing(rs.getString(1), rs.getInt(2), rs.getLong(3)), rigId, defaultNewMacsPerHour,
                windowStart(now));
        String rig = standing.rig();
        int limit = standing.limit();
        if (standing.taken() < limit) {
            return;
        }
        String message = "Rig '" + rig + "' has taken its quota of " + limit + " new MACs in the last hour; board "
                + serial + " waits. A rig needing more than this is unusual: check that its token has not leaked"
                + " before raising its quota (PUT /api/v1/rigs/" + rig + "/mac-quota).";
        // Once per rig per hour: the rig asks again for every waiting board, which must not bury the other alerts.
        Jdbc.update(c, """
                INSERT INTO mac_alert (kind, mac, serial, rig_id, message, created_at)
                SELECT 'RIG_QUOTA_EXCEEDED', NULL, ?, ?, ?, ?
                 WHERE NOT EXISTS (SELECT 1 FROM mac_alert
                                    WHERE rig_id = ? AND kind = 'RIG_QUOTA_EXCEEDED' AND created_at > ?)""",
                serial.value(), rigId, message, now, rigId, now.minus(WINDOW));
        throw new DomainException(DomainException.Kind.EXHAUSTED, ErrorReason.ERROR_REASON_RIG_QUOTA_EXCEEDED,
                "Rig '" + rig + "' has used up its quota of " + limit + " new MACs per hour; the board waits until"
                        + " the hour rolls on, or an admin raises the rig's quota (PUT /api/v1/rigs/" + rig
                        + "/mac-quota).", Map.of("rig", rig, "new_macs_per_hour", Integer.toString(limit)));
    }

    /** Counts one new MAC for the rig; only after {@link #check} in the same transaction. */
    void count(Connection c, Long rigId, Instant now) throws SQLException {
        if (rigId == null) {
            return;
        }
        // A function returning void: one row, with nothing in it.
        Jdbc.single(c, "SELECT flashrig_count_rig_mac(?, ?, ?)", rs -> 1, rigId, minute(now), windowStart(now));
    }

    int defaultNewMacsPerHour() {
        return defaultNewMacsPerHour;
    }

    /** The minute a MAC taken at {@code now} is counted in. */
    static Instant minute(Instant now) {
        return now.truncatedTo(ChronoUnit.MINUTES);
    }

    /** The oldest minute whose MACs still count at {@code now}. */
    static Instant windowStart(Instant now) {
        return now.minus(WINDOW).truncatedTo(ChronoUnit.MINUTES);
    }
}
