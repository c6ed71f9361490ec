package io.flashrig.agent.usb;

import io.flashrig.agent.programmer.ProgrammerListing;
import io.flashrig.agent.programmer.UsbListing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Watches by listing the boards with {@code STM32_Programmer_CLI -l usb} at a fixed rate and reporting the
 * differences. The one poller in the agent, documented as such: it is the fallback where USB hot-plug events are not
 * available. It cannot see port paths; listing positions ({@code USBn}) shift and do not identify a board.
 */
public final class CliBoardWatcher implements BoardWatcher {

    private static final Logger LOG = Logger.getLogger(CliBoardWatcher.class);
    /** Beyond two intervals, how long a listing may take before a waiter goes on with what is known. */
    private static final Duration LOOK_LIMIT = Duration.ofSeconds(30);

    /** When the newest listing whose changes were reported began; waiters are woken when it moves on. */
    private static final class Looks {
        private long lastBegan;
        private boolean any;

        synchronized void reported(long began) {
            lastBegan = began;
            any = true;
            notifyAll();
        }

        synchronized boolean seenAfter(long nanoTime) {
            return any && lastBegan - nanoTime >= 0;
        }
    }

    private final ProgrammerListing programmer;
    private final Duration interval;
    private final Map<String, UsbBoard> seen = new LinkedHashMap<>();
    private final Looks looks = new Looks();
    private Thread thread;
    private volatile boolean closed;

    public CliBoardWatcher(ProgrammerListing programmer, Duration interval) {
        this.programmer = programmer;
        this.interval = interval;
    }

    @Override
    public String name() {
        return "cli";
    }

    @Override
    public List<UsbBoard> present() throws WatcherException {
        try {
            return boards(programmer.list());
        } catch (ProgrammerListing.ProgrammerException e) {
            throw new WatcherException(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WatcherException("interrupted while listing boards");
        }
    }

    /** The listing as boards; a serial listed twice becomes two devices, so that the duplicate is seen. */
    static List<UsbBoard> boards(UsbListing listing) {
        Map<String, Integer> occurrences = new HashMap<>();
        List<UsbBoard> boards = new ArrayList<>();
        for (UsbListing.Entry entry : listing.boards()) {
            int n = occurrences.merge(entry.serial(), 1, Integer::sum);
            boards.add(new UsbBoard(entry.serial() + "#" + n, entry.serial(), "", 0, entry.product()));
        }
        return boards;
    }

    @Override
    public void start(Consumer<BoardWatcherEvent> events) {
        thread = new Thread(() -> poll(events), "cli-board-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Waits for a listing that began after {@code nanoTime} to be reported (its changes delivered), at most two
     * intervals plus the listing timeout, after which what is known stands.
     */
    @Override
    public void awaitLookAfter(long nanoTime) throws InterruptedException {
        long deadline = System.nanoTime() + interval.multipliedBy(2).plus(LOOK_LIMIT).toNanos();
        synchronized (looks) {
            while (!looks.seenAfter(nanoTime) && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                looks.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private void poll(Consumer<BoardWatcherEvent> events) {
        String lastProblem = "";
        while (!closed) {
            long began = System.nanoTime();
            try {
                Map<String, UsbBoard> now = new LinkedHashMap<>();
                boards(programmer.list()).forEach(b -> now.put(b.deviceId(), b));
                for (UsbBoard gone : new ArrayList<>(seen.values())) {
                    if (!now.containsKey(gone.deviceId())) {
                        seen.remove(gone.deviceId());
                        events.accept(new BoardWatcherEvent.Detached(gone));
                    }
                }
                for (UsbBoard board : now.values()) {
                    if (seen.putIfAbsent(board.deviceId(), board) == null) {
                        events.accept(new BoardWatcherEvent.Attached(board));
                    }
                }
                lastProblem = "";
                looks.reported(began);
            } catch (ProgrammerListing.ProgrammerException e) {
                if (!e.getMessage().equals(lastProblem)) {
                    LOG.warnf("listing boards failed: %s; trying again", e.getMessage());
                    lastProblem = e.getMessage();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // One listing that could not be handled must not blind the rig to every later board.
                LOG.errorf(e, "a board listing could not be handled; watching goes on");
            }
            try {
                // At a fixed rate, counted from the start of this listing: a listing's own time (a programmer process,
                // longer on a busy machine) is not added to the wait of a board plugged meanwhile. But never more than
                // half the time listing: a programmer slower to list than the interval must not keep a core busy.
                long took = System.nanoTime() - began;
                TimeUnit.NANOSECONDS.sleep(Math.max(interval.toNanos() - took, took));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (looks) {
            looks.notifyAll();
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
