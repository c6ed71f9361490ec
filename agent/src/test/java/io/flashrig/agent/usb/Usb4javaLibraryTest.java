package io.flashrig.agent.usb;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.usb4java.LibUsb;
import org.usb4java.Version;

/** usb4java's JNI library, bundled in the agent for this platform, loads and answers (no board needed). */
class Usb4javaLibraryTest {

    @Test
    void theBundledLibusbLoadsAndReportsItsVersion() {
        Version version = LibUsb.getVersion();
        assertNotNull(version, "libusb4java did not load");
        assertTrue(version.major() == 1 && version.minor() == 0 && version.micro() >= 19,
                "libusb " + version.major() + "." + version.minor() + "." + version.micro());
    }

    @Test
    void theHotPlugWatcherStartsAndSeesNoBoardsOnAnEmptyBus() throws Exception {
        try (Usb4javaBoardWatcher watcher = new Usb4javaBoardWatcher()) {
            assertTrue(watcher.present().isEmpty(), "no STM32 board is attached to this machine");
        }
    }
}
