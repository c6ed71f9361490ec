package io.flashrig.agent.usb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.programmer.ProgrammerListing;
import io.flashrig.agent.programmer.UsbListing;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A failed run is judged only once the watcher has looked at the bus again. With listings that take longer than the
 * poll interval (a slow programmer, a loaded machine), a fixed pause would judge a pulled board by stale news.
 */
class CliBoardWatcherTest {

    private static final String SERIAL = "003C00473430511536383630";

    @Test
    void aLookAfterAMomentWaitsForAListingThatBeganAfterItEvenWhenListingsAreSlow() throws Exception {
        SlowLister hub = new SlowLister(Duration.ofMillis(1_500));
        List<BoardWatcherEvent> events = new CopyOnWriteArrayList<>();
        try (CliBoardWatcher watcher = new CliBoardWatcher(hub, Duration.ofMillis(100))) {
            watcher.start(events::add);
            watcher.awaitLookAfter(System.nanoTime());
            assertTrue(events.stream().anyMatch(e -> e instanceof BoardWatcherEvent.Attached), events.toString());

            hub.present = false;
            long pulled = System.nanoTime();
            watcher.awaitLookAfter(pulled);
            // The listing that was running when the board was pulled may still have seen it; the one awaited did not.
            assertTrue(events.stream().anyMatch(e -> e instanceof BoardWatcherEvent.Detached), events.toString());
        }
    }

    /** A hub with one board whose listings take a while, as a real programmer's do. */
    private static final class SlowLister implements ProgrammerListing {
        private final Duration listing;
        volatile boolean present = true;

        SlowLister(Duration listing) {
            this.listing = listing;
        }

        @Override
        public UsbListing list() throws InterruptedException {
            boolean there = present;
            Thread.sleep(listing.toMillis());
            return new UsbListing(there ? List.of(new UsbListing.Entry("USB1", "003", "DFU in HS Mode", SERIAL)) : List.of());
        }

        @Override
        public Optional<String> version() {
            return Optional.of("2.17.0");
        }
    }
}
