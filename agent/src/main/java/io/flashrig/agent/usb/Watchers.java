package io.flashrig.agent.usb;

import io.flashrig.agent.programmer.Programmer;
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
    public static BoardWatcher open(String kind, Programmer programmer, Duration pollInterval, PrintStream warnings) {
        if (kind.equals("usb")) {
            try {
                return new Usb4javaBoardWatcher();
            } catch (BoardWatcher.WatcherException | LinkageError | RuntimeException e) {
                warnings.println("warning: USB hot-plug unavailable, " + e.getMessage()
                        + "; watching boards with STM32_Programmer_CLI -l usb instead");
            }
        }
        return new CliBoardWatcher(programmer, pollInterval);
    }
}
