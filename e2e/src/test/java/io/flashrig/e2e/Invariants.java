package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The checks the fault scenarios share: what the server stored against what the agents reported. */
final class Invariants {

    private Invariants() {
    }

    /** Event ids the agent runs printed (each printed event was already in the agent's durable queue). */
    static Set<String> printedEventIds(List<AgentProcess> runs) {
        return runs.stream().flatMap(a -> a.events().stream()).map(e -> e.path("eventId").asText())
                .filter(id -> !id.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Event ids stored for the rig. */
    static Set<String> storedEventIds(Database db, String rig) {
        Set<String> ids = new HashSet<>();
        try (Connection c = db.connect();
             PreparedStatement s = c.prepareStatement("SELECT e.event_id FROM board_event e JOIN rig r ON r.id = e.rig_id WHERE r.name = ?")) {
            s.setString(1, rig);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    /**
     * Exactly once: every event an agent printed is stored, no event is stored twice, and each queue's sequences run
     * 1..N without a gap or a repeat. With {@code exact}, nothing is stored that was not printed either.
     */
    static void assertEveryEventStoredOnce(Database db, String rig, List<AgentProcess> runs, boolean exact) {
        Set<String> printed = printedEventIds(runs);
        assertTrue(printed.size() > 0, "the agent printed no events at all");
        Await.until(Duration.ofSeconds(90), "every printed event of rig " + rig + " stored on the server",
                () -> storedEventIds(db, rig).containsAll(printed),
                () -> "missing: " + missing(printed, storedEventIds(db, rig)) + "\n" + runs.get(runs.size() - 1).diagnostics());
        Set<String> stored = storedEventIds(db, rig);
        long rows = db.number("SELECT count(*) FROM board_event e JOIN rig r ON r.id = e.rig_id WHERE r.name = '" + rig + "'");
        assertEquals(stored.size(), rows, "an event id is stored twice");
        long gapsOrRepeats = db.number("SELECT count(*) FROM (SELECT e.queue_id, count(*) n, count(DISTINCT e.sequence) d, "
                + "min(e.sequence) lo, max(e.sequence) hi FROM board_event e JOIN rig r ON r.id = e.rig_id WHERE r.name = '" + rig
                + "' GROUP BY e.queue_id) q WHERE n <> d OR lo <> 1 OR hi <> n");
        assertEquals(0, gapsOrRepeats, "a queue of rig " + rig + " has a gap or a repeated sequence");
        if (exact) {
            assertEquals(printed, new TreeSet<>(stored), "the server stored events the agent never reported");
        }
    }

    /** The board has one flash attempt, DONE, and a FUSED MAC; returns the MAC. */
    static String assertFlashedOnceAndFused(Admin admin, String serial) {
        JsonNode board = admin.board(serial);
        assertEquals(1, board.path("attempts").size(), "board " + serial + " has other than one flash attempt: " + board);
        assertEquals("DONE", board.path("attempts").get(0).path("outcome").asText(), "board " + serial + ": " + board);
        assertEquals("FUSED", board.path("macState").asText(), "board " + serial + " MAC not fused: " + board);
        String mac = board.path("mac").asText();
        assertTrue(!mac.isEmpty(), "board " + serial + " has no MAC: " + board);
        assertEquals(serial.toUpperCase(), admin.mac(mac).path("boardSerial").asText().toUpperCase(),
                "MAC " + mac + " names another board");
        return mac;
    }

    /** Every board ended DONE with one attempt and a FUSED MAC, and no two boards share a MAC; returns the MACs. */
    static Set<String> assertAllFlashedOnceWithDistinctMacs(Admin admin, List<String> serials) {
        Set<String> macs = new HashSet<>();
        for (String serial : serials) {
            macs.add(assertFlashedOnceAndFused(admin, serial));
        }
        assertEquals(serials.size(), macs.size(), "two boards share a MAC: " + macs);
        return macs;
    }

    private static Set<String> missing(Set<String> printed, Set<String> stored) {
        Set<String> m = new TreeSet<>(printed);
        m.removeAll(stored);
        return m;
    }
}
