package io.flashrig.agent.usb;

import io.flashrig.agent.programmer.ProgrammerListing;
import java.io.PrintStream;
import java.time.Duration;

/** Chooses the watcher: USB hot-plug when asked for and available, else the programmer-listing poller. */
public final class Watchers {

    private Watchers() {
    }

    /**
     * @param kind {@code usb} or {@code cli}
     * @param warnings receives the ONE line saying why USB hot-plug is not used, when it falls back
     */
    public static BoardWatcher open(String kind, ProgrammerListing programmer, Duration pollInterval, PrintStream warnings) {
        return open(kind, Usb4javaBoardWatcher::new, programmer, pollInterval, warnings);
    }

    /** As {@link #open(String, ProgrammerListing, Duration, PrintStream)}, with the hot-plug watcher made by {@code usb}. */
    static BoardWatcher open(String kind, UsbWatcherFactory usb, ProgrammerListing programmer, Duration pollInterval,
            PrintStream warnings) {
        if (kind.equals("usb")) {
            try {
                return usb.open();
            } catch (BoardWatcher.WatcherException | LinkageError | RuntimeException e) {
                warnings.println("warning: USB hot-plug unavailable, " + e.getMessage()
                        + "; watching boards with STM32_Programmer_CLI -l usb instead");
            }
        }
        return new CliBoardWatcher(programmer, pollInterval);
    }

    /** Opens the hot-plug watcher; fails where the USB library cannot load or libusb cannot start. */
    @FunctionalInterface
    interface UsbWatcherFactory {
        BoardWatcher open() throws BoardWatcher.WatcherException;
    }
}
