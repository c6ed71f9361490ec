package io.flashrig.server.db;

/**
 * The server will not start on the database it was given: its message is one sentence saying what is wrong and how to
 * put it right, printed as it is (no stack trace), and the server exits with status 2.
 */
public final class DatabaseSetupException extends RuntimeException {

    public DatabaseSetupException(String message) {
        super(message);
    }
}
