package io.flashrig.server.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * Work inside a transaction that the database may refuse for its data, undone alone while the rest of the transaction
 * goes on. Written as SQL rather than through {@link Connection#setSavepoint()}, so that it means the same under the
 * connection pool's transaction handling as on a bare connection.
 */
public final class Savepoint {

    /**
     * SQLState classes that mean "this data cannot be stored": data exceptions (22: bytes that are not UTF-8, a NUL,
     * a value out of range), integrity violations (23), program limits (54: a row or index entry too large) and errors
     * raised by a trigger or function (P0). Anything else (a lost connection, a deadlock, a bug in a statement) fails
     * the whole transaction as before.
     */
    private static final Set<String> REFUSED_DATA = Set.of("22", "23", "54", "P0");
    private static final String NAME = "flashrig_work";

    /** Work on the connection that may throw. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws SQLException;
    }

    /** The work's result, or, when the database refused its data, null and the refusal. */
    public record Attempt<T>(T result, SQLException refusal) {
    }

    private Savepoint() {
    }

    /** Runs the work under a savepoint; when the database refuses its data, rolls it back and says why. */
    public static <T> Attempt<T> attempt(Connection c, Work<T> work) throws SQLException {
        execute(c, "SAVEPOINT " + NAME);
        T result;
        try {
            result = work.run();
        } catch (SQLException e) {
            if (!refusedData(e)) {
                throw e;
            }
            execute(c, "ROLLBACK TO SAVEPOINT " + NAME);
            execute(c, "RELEASE SAVEPOINT " + NAME);
            return new Attempt<>(null, e);
        }
        execute(c, "RELEASE SAVEPOINT " + NAME);
        return new Attempt<>(result, null);
    }

    /** True when the database refused the data itself, not the connection or the statement. */
    public static boolean refusedData(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.length() == 5 && REFUSED_DATA.contains(state.substring(0, 2));
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
