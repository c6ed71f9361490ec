package io.flashrig.server.security;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * At most one log line per kind per interval, and how many were held back since the last one: a flood of refused
 * sign-ins (a script guessing tokens, a rig with a stale token retrying) must not flood the log or its disk, while the
 * first of each kind, and the size of the flood, are still told.
 */
final class LogBudget {

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    LogBudget(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Whether a line of this kind may be written now: -1 when not (it is counted for the next line), else how many of
     * this kind were held back since the last line written.
     */
    long take(String kind) {
        Window window = windows.computeIfAbsent(kind, k -> new Window());
        synchronized (window) {
            long now = nanoTime.getAsLong();
            if (window.written && now - window.lastLine < intervalNanos) {
                window.heldBack++;
                return -1;
            }
            long heldBack = window.heldBack;
            window.written = true;
            window.lastLine = now;
            window.heldBack = 0;
            return heldBack;
        }
    }

    private static final class Window {
        boolean written;
        long lastLine;
        long heldBack;
    }
}
