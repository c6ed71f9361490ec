package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.flashrig.simulator.BoardState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Invariant: an agent killed with kill -9 after it wrote a board's MAC to OTP but before it learnt the result (so
 * before any acknowledgement), and restarted on the same state directory, never writes OTP a second time; the board is
 * not bricked and its MAC ends FUSED on the server.
 */
class AgentKilledAfterOtpWriteIT {

    @Test
    void agentKilledBetweenOtpWriteAndAcknowledgementNeverWritesTwiceAndTheMacEndsFused() throws IOException {
        try (Testbed bed = Testbed.start("agent-killed")) {
            Path marker = bed.dir().resolve("otp-written");
            // The programmer as the agent sees it: the simulator, except that the first OTP write, once done, does not
            // return until the test has killed the agent - the window between the write and its acknowledgement.
            Path wrapper = bed.dir().resolve("programmer-holding-first-otp-write");
            Files.writeString(wrapper, String.join("\n",
                    "#!/usr/bin/env bash",
                    "set -u",
                    "\"" + Workspace.programmer() + "\" \"$@\"",
                    "status=$?",
                    "if [[ \" $* \" == *\" -otp write \"* ]] && [[ ! -e \"" + marker + "\" ]]; then",
                    "  touch \"" + marker + "\"",
                    "  sleep 30",
                    "fi",
                    "exit $status", ""));
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));

            AgentProcess.Settings rig = bed.rig("rig-k").withProgrammer(wrapper);
            AgentProcess first = bed.startAgent(rig, "agent-run-1", s -> s);
            String serial = bed.plug(1, 800).get(0);
            Await.until(Duration.ofSeconds(90), "the OTP write of " + serial, () -> Files.exists(marker), first::diagnostics);
            first.kill();
            BoardState afterWrite = bed.hub().board(serial).orElseThrow();
            assertEquals(1, afterWrite.otp57Writes(), "the write the agent was killed in did not happen");
            assertFalse(first.printed(e -> e.has("macWritten")), "the agent learnt of the write before it was killed");

            AgentProcess second = bed.startAgent(rig, "agent-run-2", s -> s);
            second.awaitEnded(serial, Duration.ofSeconds(90));
            BoardState board = bed.hub().board(serial).orElseThrow();
            assertEquals(1, board.otp57Writes(), "OTP word 57 written twice");
            assertEquals(1, board.otp58Writes(), "OTP word 58 written twice");
            assertFalse(board.bricked(), "the board is bricked");
            // The second run reports the read-back MAC as an event; the server has it once it holds every event.
            Invariants.assertEveryEventStoredOnce(bed.database(), "rig-k", List.of(first, second), false);
            String mac = bed.server().admin().board(serial).path("mac").asText();
            assertEquals("FUSED", bed.server().admin().mac(mac).path("state").asText(), "MAC " + mac + " not FUSED\n"
                    + second.diagnostics());
        }
    }
}
