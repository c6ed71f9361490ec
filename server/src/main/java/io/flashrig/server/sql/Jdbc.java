package io.flashrig.server.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one small helper for plain SQL on the session's connection (see DEVELOPERS.md, "Data access"): the statements
 * JPA cannot express (ON CONFLICT, advisory locks, RETURNING, multi-row VALUES) and the reads that need PostgreSQL.
 */
public final class Jdbc {

    /** Reads one row of a result into a value. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Below the protocol's limit of 32 767 parameters per statement. */
    private static final int MAX_PARAMETERS = 30_000;

    private Jdbc() {
    }

    /** Runs an INSERT/UPDATE with positional parameters; returns the number of rows it changed. */
    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    /** Runs a SELECT (or a statement with RETURNING) with positional parameters; returns its rows. */
    public static <T> List<T> query(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(row.read(rs));
                }
                return rows;
            }
        }
    }

    /** The one row a query always returns (an aggregate, an EXISTS, an upsert's RETURNING). */
    public static <T> T single(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        return query(c, sql, row, params).get(0);
    }

    /** A nullable timestamp column as an Instant. */
    public static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }

    /**
     * Takes a transaction-scoped advisory lock on {@code key} (hashed), waiting for whoever holds it on any replica;
     * it is released when the transaction ends.
     */
    public static void lockUntilCommit(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, key);
            ps.execute();
        }
    }

    /**
     * The placeholders of a multi-row {@code VALUES} list: {@code rows} groups of {@code columns}, e.g.
     * {@code (?, ?), (?, ?)}.
     */
    public static String rows(int rows, int columns) {
        String row = "(" + String.join(", ", Collections.nCopies(columns, "?")) + ")";
        return String.join(", ", Collections.nCopies(rows, row));
    }

    /**
     * {@code rows} cut into runs that one statement of {@code columns} parameters per row can take: the wire protocol
     * counts a statement's parameters in 16 bits.
     */
    public static <T> List<List<T>> chunks(List<T> rows, int columns) {
        int size = Math.max(1, MAX_PARAMETERS / columns);
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += size) {
            chunks.add(rows.subList(from, Math.min(rows.size(), from + size)));
        }
        return chunks;
    }

    /**
     * Makes the current transaction read one snapshot of the database, so that a view assembled from several queries
     * never mixes rows from before and after another transaction's commit. PostgreSQL refuses it after the
     * transaction's first statement, so it must come first.
     */
    public static void readOneSnapshot(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        }
    }

    /** Binds parameters: Instants as timestamptz, nulls typed where it matters. */
    public static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object value = params[i];
            if (value instanceof Instant instant) {
                ps.setTimestamp(i + 1, Timestamp.from(instant));
            } else if (value instanceof Null typed) {
                ps.setNull(i + 1, typed.sqlType());
            } else if (value == null) {
                ps.setNull(i + 1, Types.VARCHAR);
            } else {
                ps.setObject(i + 1, value);
            }
        }
    }

    /** A typed SQL NULL, for parameters whose type PostgreSQL cannot infer. */
    public record Null(int sqlType) {
        public static final Null BIGINT = new Null(Types.BIGINT);
        public static final Null TIMESTAMP = new Null(Types.TIMESTAMP_WITH_TIMEZONE);
        public static final Null INTEGER = new Null(Types.INTEGER);

        public static Object orLong(Long value) {
            return value == null ? BIGINT : value;
        }

        public static Object orInstant(Instant value) {
            return value == null ? TIMESTAMP : value;
        }

        public static Object orInteger(Integer value) {
            return value == null ? INTEGER : value;
        }
    }
}
