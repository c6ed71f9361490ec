package io.flashrig.agent.usb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
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
    void theHotPlugWatcherStartsOnAnEmptyBusAndStopsItsThreadsWhenClosed() throws Exception {
        Usb4javaBoardWatcher watcher = new Usb4javaBoardWatcher();
        watcher.start(event -> { });
        assertTrue(watcherThreads().containsAll(Set.of("usb-events", "usb-boards")), "started: " + watcherThreads());
        assertTrue(watcher.present().isEmpty(), "no STM32 board is attached to this machine");
        watcher.close();
        assertEquals(Set.of(), watcherThreads(), "closed: its threads are gone");
    }

    private static Set<String> watcherThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.equals("usb-events") || n.equals("usb-boards")).collect(java.util.stream.Collectors.toSet());
    }
}
