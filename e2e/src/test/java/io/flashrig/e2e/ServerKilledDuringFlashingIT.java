package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Invariant: a server killed with SIGKILL while 16 boards flash in parallel loses nothing and duplicates nothing once
 * it is restarted — every event the agent reported is stored exactly once, every board has one attempt, and no board
 * gets a second MAC (16 boards, 16 MAC rows, 16 distinct MACs).
 */
class ServerKilledDuringFlashingIT {

    @Test
    void serverKilledDuringSixteenParallelFlashesStoresEveryRecordOnceAndNoSecondMac() {
        try (Testbed bed = Testbed.start("server-killed")) {
            AgentProcess.Settings rig = bed.rig("rig-a");
            AgentProcess agent = bed.startAgent(rig, "agent", UnaryOperator.identity());
            List<String> serials = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                // Staggered flash times: when the first board is done, the others are still flashing.
                String serial = bed.newSerial();
                bed.hub().plug(io.flashrig.simulator.SimulatedBoard.normal(serial, "1-1." + (i + 1)).withTimes(1000 + 250L * i, 300));
                serials.add(serial);
            }
            Await.until(Duration.ofSeconds(60), "a first board done", () -> agent.printed(
                    e -> "FLASH_JOB_STATE_DONE".equals(e.path("state").asText())), agent::diagnostics);
            bed.server().kill();
            Await.sleep(Duration.ofSeconds(2));
            bed.server().startAgain();

            for (String serial : serials) {
                agent.awaitEnded(serial, Duration.ofSeconds(120));
            }
            Invariants.assertEveryEventStoredOnce(bed.database(), "rig-a", List.of(agent), true);
            assertEquals(16, Invariants.assertAllFlashedOnceWithDistinctMacs(bed.server().admin(), serials).size());
            assertEquals(16, bed.database().number("SELECT count(*) FROM mac_assignment"), "a board got a second MAC");
            assertEquals(16, bed.database().number("SELECT count(*) FROM flash_attempt"), "an attempt was recorded twice");
            bed.hub().boards().forEach(b -> assertEquals(1, b.otp57Writes(), "OTP word 57 of " + b.serial() + " written other than once"));
        }
    }
}
