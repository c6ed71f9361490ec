package io.flashrig.server.release;

import io.flashrig.server.sql.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The release reads that join rigs (whose entity is {@code rig/}'s, which uses this package) or run on every stream
 * response, on the caller's connection. Releases, pins and the default themselves are admin CRUD through
 * {@link Release}, {@link RigReleasePin} and {@link ReleaseDefault}.
 */
final class ReleaseSql {

    private ReleaseSql() {
    }

    /** The id of the rig in service named {@code rigName}. */
    static Optional<Long> rigId(Connection c, String rigName) throws SQLException {
        return Jdbc.query(c, "SELECT id FROM rig WHERE name = ? AND revoked_at IS NULL", rs -> rs.getLong(1), rigName)
                .stream().findFirst();
    }

    /** The names of the rigs pinned to a release. */
    static List<String> pinnedRigs(Connection c, String release) throws SQLException {
        return Jdbc.query(c, """
                SELECT g.name FROM rig_release p JOIN rig g ON g.id = p.rig_id WHERE p.release_name = ? ORDER BY g.name""",
                rs -> rs.getString(1), release);
    }

    /** The release a rig flashes, with its files: its pin, else the default; empty when neither is set. */
    static Optional<RigPin> pinOf(Connection c, long rigId) throws SQLException {
        Optional<RigPin> pin = Jdbc.query(c, """
                SELECT r.name, r.layout, r.manifest_sha256, r.retired_at IS NOT NULL, 'pinned' FROM rig_release p
                JOIN release r ON r.name = p.release_name WHERE p.rig_id = ?
                UNION ALL
                SELECT r.name, r.layout, r.manifest_sha256, r.retired_at IS NOT NULL, 'default' FROM release_default d
                JOIN release r ON r.name = d.release_name WHERE NOT EXISTS (SELECT 1 FROM rig_release WHERE rig_id = ?)""",
                rs -> new RigPin(rs.getString(1), rs.getString(2), rs.getString(3), Map.of(), rs.getBoolean(4),
                        rs.getString(5)), rigId, rigId).stream().findFirst();
        if (pin.isEmpty()) {
            return pin;
        }
        RigPin p = pin.get();
        Map<String, String> files = new TreeMap<>();
        Jdbc.query(c, "SELECT file_name, sha256 FROM release_file WHERE release_name = ?",
                rs -> files.put(rs.getString(1), rs.getString(2)), p.name());
        return Optional.of(new RigPin(p.name(), p.layout(), p.manifestSha256(), files, p.retired(), p.source()));
    }

    /** Every rig's release by rig id, in one read: a rig without a pin has the default's, if any. */
    static Map<Long, ReleaseService.ReleaseName> releaseNames(Connection c) throws SQLException {
        Map<Long, ReleaseService.ReleaseName> names = new HashMap<>();
        Jdbc.query(c, """
                SELECT g.id, r.name, r.retired_at IS NOT NULL, CASE WHEN p.rig_id IS NULL THEN 'default' ELSE 'pinned' END
                  FROM rig g LEFT JOIN rig_release p ON p.rig_id = g.id
                  LEFT JOIN release_default d ON p.rig_id IS NULL
                  JOIN release r ON r.name = COALESCE(p.release_name, d.release_name)
                 WHERE g.revoked_at IS NULL""",
                rs -> names.put(rs.getLong(1),
                        new ReleaseService.ReleaseName(rs.getString(2), rs.getBoolean(3), rs.getString(4))));
        return names;
    }
}
