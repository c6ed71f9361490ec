package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashrig.simulator.BoardState;
import io.flashrig.simulator.SimulatedBoard;
import io.flashrig.simulator.SimulatedHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Invariant: a MAC is burnt into one board only, even when two chips report the same serial on two rigs at the same
 * moment. The serial's MAC is the same from any rig, so only the claim of its one write keeps the second rig from
 * writing it.
 */
class TwoRigsOneSerialIT {

    private static final int PAIRS = 4;

    @Test
    void boardsWithOneSerialPluggedIntoTwoRigsAtOnceGetTheMacBurntOnce() {
        try (Testbed bed = Testbed.start("one-serial")) {
            SimulatedHub otherHub = new SimulatedHub(bed.dir().resolve("hub-b"));
            AgentProcess a = bed.startAgent(bed.rig("rig-a"), "agent-a", s -> s);
            AgentProcess b = bed.startAgent(bed.rig("rig-b"), "agent-b", s -> s.withHub(otherHub.directory()));
            List<String> serials = new ArrayList<>();
            for (int i = 1; i <= PAIRS; i++) {
                String serial = bed.newSerial();
                // Same flash time on both rigs, so that both ask for the MAC at about the same moment.
                bed.hub().plug(SimulatedBoard.normal(serial, "1-1." + i).withTimes(1_500, 300));
                otherHub.plug(SimulatedBoard.normal(serial, "1-1." + i).withTimes(1_500, 300));
                serials.add(serial);
            }
            for (String serial : serials) {
                a.awaitEnded(serial, Duration.ofSeconds(120));
                b.awaitEnded(serial, Duration.ofSeconds(120));
            }
            Invariants.assertEveryEventStoredOnce(bed.database(), "rig-a", List.of(a), true);
            Invariants.assertEveryEventStoredOnce(bed.database(), "rig-b", List.of(b), true);
            Admin admin = bed.server().admin();
            for (String serial : serials) {
                BoardState onA = bed.hub().board(serial).orElseThrow();
                BoardState onB = otherHub.board(serial).orElseThrow();
                assertEquals(1, onA.otp57Writes() + onB.otp57Writes(),
                        "serial " + serial + ": the MAC was written into " + (onA.otp57Writes() + onB.otp57Writes())
                                + " boards\n" + a.diagnostics() + "\n" + b.diagnostics());
                AgentProcess loser = onA.otp57Writes() == 1 ? b : a;
                JsonNode failed = loser.events().stream()
                        .filter(e -> serial.equals(e.path("serial").asText()) && e.has("failed")).findFirst()
                        .orElseThrow(() -> new AssertionError("the rig that did not write reports no failure for " + serial));
                String reason = failed.path("failed").path("reason").asText();
                assertTrue(Set.of("FAILURE_REASON_DUPLICATE_SERIAL", "FAILURE_REASON_MAC_CONFLICT").contains(reason),
                        "serial " + serial + " failed on the second rig for another reason: " + failed);
                JsonNode board = admin.board(serial);
                assertEquals("FUSED", board.path("macState").asText(), board.toString());
            }
        }
    }
}
