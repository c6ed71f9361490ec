package io.flashrig.server.pool;

import io.flashrig.server.sql.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The reads of MAC ranges that need PostgreSQL (range operators and aggregates), on the caller's connection. Ranges
 * themselves are admin CRUD through {@link MacRange}; handing out their addresses is {@link MacAllocator}'s.
 */
final class RangeSql {

    /** Counts over every range: its fusable addresses, and the assignments taken from ranges in each state. */
    record Counts(long total, long assigned, long fused, long quarantined) {
    }

    private RangeSql() {
    }

    /** The first range that shares an address with {@code first}–{@code last}, described for an admin. */
    static Optional<String> overlapping(Connection c, long first, long last) throws SQLException {
        // The same test as the exclusion constraint, so that its GiST index answers it.
        return Jdbc.query(c, """
                SELECT id, first_mac, last_mac, label FROM mac_range
                 WHERE int8range(first_mac, last_mac, '[]') && int8range(?, ?, '[]')
                 ORDER BY first_mac LIMIT 1""", rs -> {
                    MacRange range = new MacRange();
                    range.id = rs.getLong(1);
                    range.firstMac = rs.getLong(2);
                    range.lastMac = rs.getLong(3);
                    range.label = rs.getString(4);
                    return range.describe();
                }, first, last).stream().findFirst();
    }

    static Counts counts(Connection c) throws SQLException {
        return Jdbc.single(c, """
                SELECT (SELECT COALESCE(sum(%s), 0) FROM mac_range r),
                       count(*) FILTER (WHERE state = 'ASSIGNED'),
                       count(*) FILTER (WHERE state = 'FUSED'),
                       count(*) FILTER (WHERE state = 'QUARANTINED')
                  FROM mac_assignment WHERE range_id IS NOT NULL""".formatted(MacRange.FUSABLE_SIZE_SQL),
                rs -> new Counts(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
    }

    /** Addresses still to hand out from active ranges. */
    static long available(Connection c) throws SQLException {
        return Jdbc.single(c, """
                SELECT COALESCE(sum(%s - (SELECT count(*) FROM mac_assignment a WHERE a.range_id = r.id)), 0)
                  FROM mac_range r WHERE r.retired_at IS NULL""".formatted(MacRange.FUSABLE_SIZE_SQL),
                rs -> rs.getLong(1));
    }
}
