package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubCommandTest {

    @TempDir
    Path directory;

    private record Outcome(int status, String output) {
    }

    private Outcome hub(Map<String, String> environment, String... args) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status = HubCommand.run(args, new PrintStream(output, true, StandardCharsets.UTF_8), environment);
        return new Outcome(status, output.toString(StandardCharsets.UTF_8));
    }

    private Outcome hub(String... args) {
        String[] withHub = new String[args.length + 2];
        withHub[0] = "--hub";
        withHub[1] = directory.toString();
        System.arraycopy(args, 0, withHub, 2, args.length);
        return hub(Map.of(), withHub);
    }

    @Test
    void plugsABoardWithBehaviourAndMac() {
        Outcome plugged = hub("plug", "SN1", "1-1.3", "reenumerate", "04:d9:21:38:30:a8");

        assertEquals(HubCommand.OK, plugged.status(), plugged.output());
        BoardState board = new SimulatedHub(directory).board("SN1").orElseThrow();
        assertEquals(Behaviour.REENUMERATE, board.behaviour());
        assertEquals("1-1.3", board.portPath());
        assertEquals(0x3821d904L, board.otp57());
    }

    @Test
    void listShowsEveryBoardAndItsOtp() {
        hub("plug", "SN1", "1-1.3");
        hub("plug", "SN2", "1-1.4", "exit-zero-with-error", "04:d9:21:38:30:a8");

        Outcome list = hub("list");

        assertEquals(HubCommand.OK, list.status());
        String[] lines = list.output().split("\n");
        assertEquals(3, lines.length, list.output());
        assertTrue(lines[1].matches("SN1 +1-1\\.3 +ROM +yes +0x00000000 +0x00000000 +0/0 +no"), lines[1]);
        assertTrue(lines[2].matches("SN2 +1-1\\.4 +ROM +yes +0x3821d904 +0x0000a830 +0/0 +no"), lines[2]);
    }

    @Test
    void unplugRemovesTheBoardOnceAndThenRefuses() {
        hub("plug", "SN1", "1-1.3");

        assertEquals(HubCommand.OK, hub("unplug", "SN1").status());
        Outcome again = hub("unplug", "SN1");

        assertEquals(HubCommand.FAILED, again.status());
        assertTrue(again.output().contains("no board with serial SN1"), again.output());
    }

    @Test
    void hubComesFromTheEnvironmentWithoutHubOption() {
        Outcome plugged = hub(Map.of(Session.HUB_VARIABLE, directory.toString()), "plug", "SN1", "1-1.3");

        assertEquals(HubCommand.OK, plugged.status(), plugged.output());
        assertTrue(new SimulatedHub(directory).board("SN1").isPresent());
    }

    @Test
    void pluggingATakenSerialFails() {
        hub("plug", "SN1", "1-1.3");

        assertEquals(HubCommand.FAILED, hub("plug", "SN1", "1-1.4").status());
    }

    @Test
    void wrongCommandLinesAreUsageErrors() {
        assertEquals(HubCommand.USAGE, hub(Map.of(), "list").status());
        assertEquals(HubCommand.USAGE, hub("plug", "SN1").status());
        assertEquals(HubCommand.USAGE, hub("plug", "SN1", "1-1.3", "sideways").status());
        assertEquals(HubCommand.USAGE, hub("plug", "SN1", "1-1.3", "normal", "not-a-mac").status());
        assertEquals(HubCommand.USAGE, hub("shake").status());
    }
}
