package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashrig.simulator.Behaviour;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What happens on the hub, end to end through the packaged agent and server. */
class HubScenariosIT {

    /** Invariant: 32 boards plugged at once are all flashed and get 32 distinct MACs, each recorded once. */
    @Test
    void hubFloodedWithThirtyTwoBoardsAtOnceFlashesAllWithDistinctMacs() {
        try (Testbed bed = Testbed.start("flood")) {
            AgentProcess agent = bed.startAgent(bed.rig("rig-f"), "agent", s -> s);
            List<String> serials = bed.plug(32, 500);
            for (String serial : serials) {
                agent.awaitEnded(serial, Duration.ofSeconds(180));
            }
            // The agent reports a board done once its events are queued; the server has them once they are stored.
            Invariants.assertEveryEventStoredOnce(bed.database(), "rig-f", List.of(agent), true);
            assertEquals(32, Invariants.assertAllFlashedOnceWithDistinctMacs(bed.server().admin(), serials).size());
        }
    }

    /**
     * Invariant: every way a flash goes wrong reaches the server as a failed or interrupted attempt with its code - a
     * programmer error, exit 0 with an Error: line, a hung programmer killed by --flash-timeout, a board pulled mid-flash
     * - while a good board next to them is flashed and fused.
     */
    @Test
    void failedHungAndPulledBoardsAreRecordedOnTheServerWithTheirFailureCodes() {
        try (Testbed bed = Testbed.start("failures")) {
            // The timeout counts from the programmer's start, a JVM start for the simulator: every other board's
            // programmer must end well within it on a loaded machine, the pulled one by its unplug.
            AgentProcess agent = bed.startAgent(bed.rig("rig-x"), "agent", s -> s.withOptions("--flash-timeout=30s"));
            String fail = plug(bed, "1-1.1", Behaviour.FAIL, 500);
            String exitZero = plug(bed, "1-1.2", Behaviour.EXIT_ZERO_WITH_ERROR, 500);
            String hang = plug(bed, "1-1.3", Behaviour.HANG, 500);
            String pulled = plug(bed, "1-1.4", Behaviour.NORMAL, 60_000);
            String good = plug(bed, "1-1.5", Behaviour.NORMAL, 500);
            Await.until(Duration.ofSeconds(60), "the board to pull flashing", () -> agent.printed(
                    e -> pulled.equals(e.path("serial").asText()) && e.has("flashProgress")), agent::diagnostics);
            bed.hub().unplug(pulled);
            for (String serial : List.of(fail, exitZero, hang, pulled, good)) {
                agent.awaitEnded(serial, Duration.ofSeconds(90));
            }
            Invariants.assertEveryEventStoredOnce(bed.database(), "rig-x", List.of(agent), true);
            Admin admin = bed.server().admin();
            Await.until(Duration.ofSeconds(30), "the server to record the pulled board", () -> "INTERRUPTED".equals(
                    attempt(admin, pulled).path("outcome").asText()), () -> admin.board(pulled).toString());
            assertEquals("PROGRAMMER_ERROR", failed(admin, fail), admin.board(fail).toString());
            assertEquals("PROGRAMMER_ERROR", failed(admin, exitZero), admin.board(exitZero).toString());
            assertEquals("TIMEOUT", failed(admin, hang), admin.board(hang).toString());
            Invariants.assertFlashedOnceAndFused(admin, good);
        }
    }

    private static String plug(Testbed bed, String port, Behaviour behaviour, long flashMillis) {
        return bed.plug(port, board -> board.withBehaviour(behaviour).withTimes(flashMillis, 300));
    }

    private static JsonNode attempt(Admin admin, String serial) {
        JsonNode attempts = admin.board(serial).path("attempts");
        assertEquals(1, attempts.size(), "board " + serial + " has other than one attempt");
        return attempts.get(0);
    }

    private static String failed(Admin admin, String serial) {
        JsonNode a = attempt(admin, serial);
        assertEquals("FAILED", a.path("outcome").asText(), "board " + serial + ": " + a);
        String code = a.path("failureCode").asText();
        return code.startsWith("FAILURE_REASON_") ? code.substring("FAILURE_REASON_".length()) : code;
    }
}
