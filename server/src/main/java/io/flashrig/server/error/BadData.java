package io.flashrig.server.error;

import java.sql.SQLException;

/**
 * A value PostgreSQL refused as data (SQLState class 22: e.g. a NUL character in text, a number out of range): the
 * caller's input, not the server, is at fault, whatever check it slipped past.
 */
final class BadData {

    static final String MESSAGE = "The request holds a value the database cannot store (for example a NUL character"
            + " or a number out of range). Nothing was changed.";

    private BadData() {
    }

    static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                return true;
            }
        }
        return false;
    }
}
