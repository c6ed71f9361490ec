package io.flashrig.server.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;

/** Plain JDBC for the statements JPA cannot express (ON CONFLICT, advisory locks, RETURNING). */
public final class Jdbc {

    private Jdbc() {
    }

    /** Runs an INSERT/UPDATE with positional parameters; returns the number of rows it changed. */
    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
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
