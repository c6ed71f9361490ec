package io.flashrig.server.error;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * Recognises failures worth retrying: the database unreachable or not answering in time (the datasource's socket
 * timeout), a statement PostgreSQL cancelled at its statement or lock timeout, or a transaction it aborted as a deadlock
 * or serialization victim. Both error mappers answer them as "try again later" (gRPC UNAVAILABLE, HTTP 503).
 */
public final class TransientFailure {

    public static final String MESSAGE = "The server cannot reach its database right now, or the database did not"
            + " answer in time or had to abort this transaction to resolve a conflict; nothing was committed. Retry in a"
            + " moment.";

    /**
     * Connection failures (08), serialization failure, deadlock, admin shutdown, database starting up (a standby being
     * promoted in a failover), query cancelled, lock not available, transaction ended at its idle-in-transaction timeout.
     */
    private static final Set<String> STATES = Set.of("40001", "40P01", "57P01", "57P03", "57014", "55P03", "25P03");

    private TransientFailure() {
    }

    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || STATES.contains(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }
}
