package io.flashrig.agent;

import java.time.Duration;

/** How long a test waits for an eventual outcome: generous, so that a test fails on the limit, never on speed. */
public final class Eventually {

    /** Long enough for a JVM-started simulated programmer on a loaded 2-core machine. */
    public static final Duration LIMIT = Duration.ofSeconds(90);

    private Eventually() {
    }
}
