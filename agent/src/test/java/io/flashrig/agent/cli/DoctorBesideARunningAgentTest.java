package io.flashrig.agent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.link.EventQueue;
import io.flashrig.agent.link.TestRigServer;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.state.StateLock;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor} next to a running agent: it checks server and token without opening a session (which would replace
 * the agent's) and leaves the agent's event queue alone; and a second {@code run} on a taken state directory stops.
 */
@QuarkusMainTest
class DoctorBesideARunningAgentTest {

    @TempDir
    Path stateRoot;

    @Test
    void doctorChecksTheServerReadOnlyAndLeavesTheRunningAgentsQueueAlone(QuarkusMainLauncher launcher) throws Exception {
        TestRigServer server = new TestRigServer().start();
        StateDir dir = StateDir.open(stateRoot);
        try (EventQueue queue = EventQueue.open(dir.queue(), 100)) {
            queue.append(BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setSerial("003C0047343051153638E0E1")
                    .build());
        }
        byte[] queueBefore = Files.readAllBytes(dir.queue().resolve("events.log"));
        try (StateLock runningAgent = StateLock.take(dir)) {
            LaunchResult result = launcher.launch("doctor", "--server", server.url(), "--token", TestRigServer.TOKEN,
                    "--state-dir", stateRoot.toString(), "--layout", "/nonexistent/FlashLayout.tsv");
            String out = result.getOutput();
            assertTrue(out.contains("OK   an agent (PID " + ProcessHandle.current().pid() + ") is running on this state"
                    + " directory; its event queue is left alone"), out);
            assertTrue(out.contains("OK   server " ) && out.contains("accepts the token: rig rig-a, connected now"), out);
            assertTrue(out.contains("OK   clock within 2 min of the server's"), out);
            assertEquals(0, server.sessionsOpened(), "doctor opened a session and so replaced the running agent's");
            assertArrayEquals(queueBefore, Files.readAllBytes(dir.queue().resolve("events.log")));

            LaunchResult second = launcher.launch("run", "--server", server.url(), "--token", TestRigServer.TOKEN,
                    "--state-dir", stateRoot.toString(), "--layout", layout().toString(), "--programmer", "/bin/true");
            assertEquals(ExitCodes.STATE_DIR, second.exitCode(), second.getOutput() + second.getErrorOutput());
            assertTrue(second.getErrorOutput().strip().startsWith("flashrig-agent: another agent (PID "
                    + ProcessHandle.current().pid() + ") is running on the state directory"), second.getErrorOutput());
        } finally {
            server.stop();
        }
        LaunchResult alone = launcher.launch("doctor", "--server", server.url(), "--token", "wrong",
                "--state-dir", stateRoot.toString(), "--layout", "/nonexistent/FlashLayout.tsv");
        assertTrue(alone.getOutput().contains("OK   event queue: 1 event(s) waiting to be delivered"), alone.getOutput());
    }

    private Path layout() throws Exception {
        Path folder = Files.createDirectories(stateRoot.resolve("image"));
        Files.writeString(folder.resolve("tf-a.stm32"), "tf-a");
        return Files.writeString(folder.resolve("FlashLayout_emmc.tsv"),
                "#Opt\tId\tName\tType\tIP\tOffset\tBinary\n-\t0x01\tfsbl1-boot\tBinary\tnone\t0x0\ttf-a.stm32\n");
    }
}
