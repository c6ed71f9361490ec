package io.flashrig.agent.usb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatchersTest {

    @Test
    void whereTheUsbLibraryCannotLoadTheAgentSaysSoInOneLineAndWatchesWithTheProgrammer() throws Exception {
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        // The programmer is only asked for listings once the watcher starts; this test never starts it.
        try (BoardWatcher watcher = Watchers.open("usb", () -> {
            throw new UnsatisfiedLinkError("no libusb4java for darwin-aarch64 in the jar");
        }, null, Duration.ofSeconds(2), new PrintStream(warnings, true, StandardCharsets.UTF_8))) {
            assertInstanceOf(CliBoardWatcher.class, watcher);
        }
        String printed = warnings.toString(StandardCharsets.UTF_8);
        assertEquals(1, printed.lines().count(), printed);
        assertTrue(printed.startsWith("warning: USB hot-plug unavailable, no libusb4java for darwin-aarch64 in the jar;"),
                printed);
    }
}
