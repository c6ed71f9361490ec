package io.flashrig.agent.job;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.release.ImageGate;
import java.time.Duration;
import java.util.Map;

/**
 * How the rig runs its jobs.
 *
 * @param layout the flash layout every board gets
 * @param fuse false for flash-only: no MAC is asked for or written
 * @param parallel at most this many programmer processes at once
 * @param reenumerationGrace how long a board may be off the bus before it counts as unplugged (a board leaves the bus
 *     for about 3 s when it re-enumerates)
 * @param macRetryMin first pause before asking the server again for a MAC
 * @param macRetryMax longest pause between two such requests
 * @param slotMap operator's slot labels by USB port path
 * @param busLook waits until the watcher has looked at the bus after a moment (the listing watcher sees a board leave
 *     only with its next listing, which may take seconds); a failed run is judged only after that, so that an unplug
 *     is not taken for an error
 * @param imageGate decides right before each flash which layout the board gets, and refuses an image that is not the
 *     rig's release
 */
public record JobSettings(FlashLayout layout, boolean fuse, int parallel, Duration reenumerationGrace, Duration macRetryMin,
        Duration macRetryMax, Map<String, String> slotMap, BusLook busLook, ImageGate imageGate) {

    /** See {@code BoardWatcher#awaitLookAfter}. */
    @FunctionalInterface
    public interface BusLook {
        /** Returns once the watcher has reported a look at the bus taken after {@code nanoTime}. */
        void awaitLookAfter(long nanoTime) throws InterruptedException;
    }

    public JobSettings {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be at least 1, not " + parallel);
        }
        slotMap = Map.copyOf(slotMap);
    }

    /** A rig without releases: every board gets {@code layout}. */
    public JobSettings(FlashLayout layout, boolean fuse, int parallel, Duration reenumerationGrace, Duration macRetryMin,
            Duration macRetryMax, Map<String, String> slotMap, BusLook busLook) {
        this(layout, fuse, parallel, reenumerationGrace, macRetryMin, macRetryMax, slotMap, busLook, ImageGate.fixed(layout));
    }
}
