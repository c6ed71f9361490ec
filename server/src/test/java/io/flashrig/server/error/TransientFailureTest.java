package io.flashrig.server.error;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class TransientFailureTest {

    @Test
    void retryableDatabaseFailuresAreRecognisedThroughWrappers() {
        assertTrue(TransientFailure.is(new RuntimeException(new SQLException("deadlock detected", "40P01"))));
        assertTrue(TransientFailure.is(new IllegalStateException(new SQLException("could not serialize", "40001"))));
        assertTrue(TransientFailure.is(new SQLException("connection refused", "08001")));
        assertTrue(TransientFailure.is(new RuntimeException(new SQLTransientConnectionException("pool timeout"))));
        assertTrue(TransientFailure.is(new RuntimeException(new SQLException("canceling statement due to statement timeout", "57014"))));
        assertTrue(TransientFailure.is(new RuntimeException(new SQLException("canceling statement due to lock timeout", "55P03"))));
        assertTrue(TransientFailure.is(new SQLException("the database system is starting up", "57P03")), "a standby promoted in a failover");
        assertTrue(TransientFailure.is(new RuntimeException(new SQLException(
                "terminating connection due to idle-in-transaction timeout", "25P03"))), "nothing was committed");
    }

    @Test
    void everythingElseIsNot() {
        assertFalse(TransientFailure.is(new SQLException("duplicate key", "23505")));
        assertFalse(TransientFailure.is(new IllegalStateException("bug")));
        assertFalse(TransientFailure.is(DomainException.invalid("bad input")));
    }
}
