package io.flashrig.server.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.server.testing.PostgresResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The board detail and the live view read several queries through Hibernate and plain JDBC in one transaction;
 * {@link Jdbc#readOneSnapshot} must hold both to the moment of the first read while other transactions commit.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class OneSnapshotTest {

    @Inject
    EntityManager em;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void probeTable() {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "CREATE TABLE IF NOT EXISTS snapshot_probe (n integer NOT NULL)").executeUpdate());
    }

    /** How the transaction asks for its snapshot: not at all, through Hibernate (board detail), through JDBC (live view). */
    private enum Start { NONE, HIBERNATE, JDBC }

    @Test
    void aCommitBetweenTwoReadsIsNotSeenInsideASnapshotTakenThroughHibernate() {
        assertOneSnapshot(readTwiceAroundAnInsert(Start.HIBERNATE));
    }

    @Test
    void aCommitBetweenTwoReadsIsNotSeenInsideASnapshotTakenThroughJdbc() {
        assertOneSnapshot(readTwiceAroundAnInsert(Start.JDBC));
    }

    private static void assertOneSnapshot(List<Long> counts) {
        assertEquals(counts.get(0), counts.get(1), "the Hibernate read saw a commit made after the snapshot");
        assertEquals(counts.get(0), counts.get(2), "the JDBC read saw a commit made after the snapshot");
    }

    @Test
    void withoutItTheSecondReadSeesTheCommit() {
        // The situation the snapshot guards against, shown to happen: otherwise the test above proves nothing.
        List<Long> counts = readTwiceAroundAnInsert(Start.NONE);
        assertEquals(counts.get(0) + 1, counts.get(1));
        assertEquals(counts.get(0) + 1, counts.get(2));
    }

    /** Counts probe rows, commits one more row in another transaction, counts again through Hibernate and JDBC. */
    private List<Long> readTwiceAroundAnInsert(Start start) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (start == Start.HIBERNATE) {
                em.unwrap(Session.class).doWork(Jdbc::readOneSnapshot);
            } else if (start == Start.JDBC) {
                try (Connection c = dataSource.getConnection()) {
                    Jdbc.readOneSnapshot(c);
                }
            }
            List<Long> counts = new ArrayList<>();
            counts.add(hibernateCount());
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "INSERT INTO snapshot_probe (n) VALUES (1)").executeUpdate());
            counts.add(hibernateCount());
            counts.add(jdbcCount());
            return counts;
        });
    }

    private long hibernateCount() {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM snapshot_probe").getSingleResult()).longValue();
    }

    private long jdbcCount() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM snapshot_probe");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
