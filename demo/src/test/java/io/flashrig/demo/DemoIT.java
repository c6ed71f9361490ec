package io.flashrig.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * README's main command, as a newcomer runs it: the packaged server on its embedded database and the packaged agent
 * on the simulated rig of eight boards, end to end, with the summary the README promises.
 */
class DemoIT {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void theDemoFlashesSixBoardsAndReportsTheFailedAndTheInterruptedOne() throws Exception {
        Path output = Path.of("target", "demo-it.out").toAbsolutePath();
        Process demo = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", "demo/target/flashrig-demo.jar", "--exit-when-done", "--run-dir", "demo/target/demo-it"))
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean ended = demo.waitFor(6, TimeUnit.MINUTES);
        if (!ended) {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
        String printed = read(output);
        assertTrue(ended, "the demo did not end within 6 minutes:\n" + printed);
        assertEquals(0, demo.exitValue(), printed);

        assertTrue(printed.contains("Flashed: 6   Failed or interrupted: 2\nMACs assigned: 6 (fused 6), 250 of 256 left"),
                printed);
        assertTrue(printed.matches("(?s).*re-enumerates mid-flash +\\p{XDigit}{24} DONE +04:D9:21:00:10:.*"), printed);
        assertTrue(printed.matches("(?s).*flash fails +\\p{XDigit}{24} FAILED\\s+PROGRAMMER_ERROR: Error: .*"), printed);
        assertTrue(printed.matches("(?s).*pulled out mid-flash +\\p{XDigit}{24} INTERRUPTED.*"), printed);
        // The board that arrived with a MAC in OTP keeps it: the server adopts it from the range.
        assertTrue(printed.matches("(?s).*MAC already in OTP +\\p{XDigit}{24} DONE +04:D9:21:00:10:F0.*"), printed);
        assertTrue(printed.matches("(?s).*Release: +hub3-demo-1 pinned to demo-rig; every flash checked against it\\R +manifest sha256 \\p{XDigit}{16}\\.\\.\\..*"), printed);
        assertTrue(printed.contains("Dashboard:   http://localhost:"), printed);
        // Without a terminal the summary fits the classic 80 columns.
        printed.substring(printed.indexOf("FlashRig demo summary")).lines()
                .forEach(line -> assertTrue(line.length() < 80, "wider than 79 columns: " + line));

        // The demo asks for the embedded database; the server says which database it runs on and that it was new.
        String serverLog = read(ROOT.resolve("demo/target/demo-it/server.log"));
        assertTrue(serverLog.contains("FlashRig is using its EMBEDDED PostgreSQL (FLASHRIG_EMBEDDED_DATABASE=true)"),
                serverLog);
        assertTrue(serverLog.matches("(?s).*Database: jdbc:postgresql://localhost:\\d+/postgres\\S* as user 'postgres'; "
                + "0 MACs already assigned.*"), serverLog);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
