package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Invariant: PostgreSQL stopped and started again mid-run is survived by the same server process - readiness goes DOWN
 * then UP by itself, boards plugged afterwards get MACs, and every event the agent reported is stored exactly once.
 */
class DatabaseRestartIT {

    @Test
    void postgresStoppedAndStartedMidRunTheServerRecoversWithoutRestartAndLosesNothing() {
        try (Testbed bed = Testbed.start("db-restart")) {
            AgentProcess agent = bed.startAgent(bed.rig("rig-d"), "agent", UnaryOperator.identity());
            List<String> serials = new ArrayList<>(bed.plug(4, 3000));
            Await.until(Duration.ofSeconds(60), "a board flashing", () -> agent.printed(e -> e.has("flashStarted")), agent::diagnostics);
            long serverPid = bed.server().pid();
            bed.database().stop();
            Await.until(Duration.ofSeconds(60), "readiness DOWN while PostgreSQL is away", () -> bed.server().readiness() == 503,
                    bed.server()::logTail);
            Await.sleep(Duration.ofSeconds(3));
            bed.database().startAgain();
            Await.until(Duration.ofSeconds(60), "readiness UP again", () -> bed.server().readiness() == 200, bed.server()::logTail);
            assertEquals(serverPid, bed.server().pid(), "the server was restarted");

            for (String serial : serials) {
                agent.awaitEnded(serial, Duration.ofSeconds(120));
            }
            // Boards plugged after the database came back.
            for (int i = 0; i < 2; i++) {
                String serial = bed.newSerial();
                bed.hub().plug(io.flashrig.simulator.SimulatedBoard.normal(serial, "1-2." + (i + 1)).withTimes(500, 300));
                serials.add(serial);
            }
            for (String serial : serials) {
                agent.awaitEnded(serial, Duration.ofSeconds(120));
            }
            Invariants.assertEveryEventStoredOnce(bed.database(), "rig-d", List.of(agent), true);
            Invariants.assertAllFlashedOnceWithDistinctMacs(bed.server().admin(), serials);
        }
    }
}
