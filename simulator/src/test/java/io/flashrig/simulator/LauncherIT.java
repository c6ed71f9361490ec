package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The launcher script on the packaged jar, run as the agent runs the programmer: a process per invocation. */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("bin", "STM32_Programmer_CLI").toAbsolutePath();

    @TempDir
    Path directory;
    private SimulatedHub hub;

    @BeforeEach
    void hub() {
        hub = new SimulatedHub(directory.resolve("hub"));
    }

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(Session.HUB_VARIABLE, hub.directory().toString());
        builder.environment().put(SimulatedTime.SCALE_VARIABLE, Programmer.TIME_SCALE);
        return builder.start();
    }

    private static String finish(Process process) throws Exception {
        try (InputStream output = process.getInputStream()) {
            String text = new String(output.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), text);
            return text;
        }
    }

    @Test
    void launcherIsExecutable() {
        assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " must keep its executable bit");
    }

    @Test
    void launcherListsAndFlashesThroughTheJar() throws Exception {
        hub.plug(SimulatedBoard.normal("003C00473430511536383630", "1-1.3"));
        Path layout = Layouts.starterPackage(directory);

        Process list = start("-l", "usb");
        String listing = finish(list);
        assertEquals(0, list.exitValue(), listing);
        assertTrue(listing.contains("  Serial number          : 003C00473430511536383630\n"), listing);

        Process flash = start("-c", "port=usb", "sn=003C00473430511536383630", "-w", layout.toString());
        String flashing = finish(flash);
        assertEquals(0, flash.exitValue(), flashing);
        assertTrue(flashing.contains("\r[" + "=".repeat(50) + "] 100%"), flashing);
        assertTrue(flashing.endsWith("Flashing service completed successfully\n"), flashing);
    }

    @Test
    void failureReachesTheCallerAsExitStatusOne() throws Exception {
        Process connect = start("-c", "port=usb", "sn=NOBOARD", "-otp", "displ");

        String output = finish(connect);

        assertEquals(1, connect.exitValue(), output);
        assertTrue(output.contains("Error: Target device not found."), output);
    }

    @Test
    @Timeout(30)
    void hungProgrammerStaysUntilKilled() throws Exception {
        hub.plug(SimulatedBoard.normal("SN1", "1-1.3").withBehaviour(Behaviour.HANG));
        Process flash = start("-c", "port=usb", "sn=SN1", "-w", Layouts.starterPackage(directory).toString());
        StringBuilder output = new StringBuilder();
        InputStream stream = flash.getInputStream();
        while (output.indexOf("] 20%") < 0) {
            int next = stream.read();
            assertTrue(next >= 0, () -> "ended before hanging:\n" + output);
            output.append((char) next);
        }

        assertFalse(flash.waitFor(1, TimeUnit.SECONDS), "a hung programmer must not end on its own");

        flash.destroyForcibly();
        assertTrue(flash.waitFor(10, TimeUnit.SECONDS));
    }
}
