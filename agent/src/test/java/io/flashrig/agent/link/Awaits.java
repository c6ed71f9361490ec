package io.flashrig.agent.link;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for an eventual outcome with a generous limit; a test fails on the limit, never on speed. */
public final class Awaits {

    private static final Duration LIMIT = Duration.ofSeconds(90);

    private Awaits() {
    }

    public static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + LIMIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
