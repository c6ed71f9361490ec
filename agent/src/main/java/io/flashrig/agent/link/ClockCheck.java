package io.flashrig.agent.link;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Compares the rig computer's clock with the server's when a session opens. Board events carry the rig's time; the
 * server does not believe a stamp far in its future (it counts such events as received and marks the attempt), so an
 * operator should hear of a wrong clock from the rig itself, in words that say what to do.
 */
public final class ClockCheck {

    /** The server's own tolerance for stamps ahead of its clock (FLASHRIG_MAX_RIG_CLOCK_AHEAD's default). */
    public static final Duration TOLERANCE = Duration.ofMinutes(2);

    private ClockCheck() {
    }

    /**
     * How far the rig's clock is from the server's, judged at the middle of the call that brought the server's time;
     * positive when the rig's clock is ahead.
     */
    public static Duration offset(Instant sent, Instant received, Timestamp serverTime) {
        Instant middle = sent.plus(Duration.between(sent, received).dividedBy(2));
        return Duration.between(Instant.ofEpochSecond(serverTime.getSeconds(), serverTime.getNanos()), middle);
    }

    /** A warning for the operator when the offset is beyond the tolerance either way; empty when the clock is right. */
    public static Optional<String> warning(Duration offset) {
        if (offset.abs().compareTo(TOLERANCE) <= 0) {
            return Optional.empty();
        }
        String by = describe(offset.abs());
        return Optional.of(offset.isNegative()
                ? "this computer's clock is " + by + " behind the server's: board events carry its time, so their times"
                        + " on the server are off by as much; set the clock (NTP)"
                : "this computer's clock is " + by + " ahead of the server's: the server counts its board events from"
                        + " when it receives them and marks their attempts 'rig clock off'; set the clock (NTP)");
    }

    private static String describe(Duration d) {
        if (d.toMinutes() < 120) {
            return d.toMinutes() + " min";
        }
        return d.toHours() + " h " + d.toMinutesPart() + " min";
    }
}
