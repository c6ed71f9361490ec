package io.flashrig.e2e;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition in another process, with a deadline and a message that says what never happened. */
public final class Await {

    private Await() {
    }

    /** Returns as soon as {@code condition} holds; fails with {@code what} and {@code detail} after {@code timeout}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean holds;
            try {
                holds = condition.getAsBoolean();
            } catch (RuntimeException e) {
                holds = false;
            }
            if (holds) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for: " + what
                        + "\n" + detail.get());
            }
            sleep(Duration.ofMillis(50));
        }
    }

    /** {@link #until(Duration, String, BooleanSupplier, Supplier)} without detail. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        until(timeout, what, condition, () -> "");
    }

    /** Sleeps, keeping the interrupt. */
    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
