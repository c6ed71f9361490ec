package io.flashrig.server.error;

import java.sql.SQLException;
import java.sql.SQLTransientException;

/**
 * Recognises failures worth retrying: the database unreachable, or a transaction PostgreSQL aborted as a deadlock or
 * serialization victim. Both error mappers answer them as "try again later" (gRPC UNAVAILABLE, HTTP 503).
 */
public final class TransientFailure {

    public static final String MESSAGE = "The server cannot reach its database right now, or had to abort this"
            + " transaction to resolve a conflict; nothing was committed. Retry in a moment.";

    private TransientFailure() {
    }

    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().equals("40001")
                            || sql.getSQLState().equals("40P01") || sql.getSQLState().equals("57P01"))) {
                return true;
            }
        }
        return false;
    }
}
