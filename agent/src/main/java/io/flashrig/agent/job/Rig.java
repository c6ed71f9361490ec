package io.flashrig.agent.job;

import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.usb.BoardWatcherEvent;
import io.flashrig.agent.usb.UsbBoard;
import io.flashrig.contract.BoardSerial;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.Slot;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The rig's boards: turns what the watcher sees into one {@link FlashJob} per board and runs the jobs, at most
 * {@code parallel} programmer processes at once. Gives each board its power-up order (1, 2, 3… in the order boards
 * are seen in this run, never reused) and refuses serials that cannot identify a board. What is on the bus, and for how
 * long a board has been away, is {@link Presence}'s; the jobs decide what that means for them.
 *
 * <p>A board is remembered only while it is on the hub or its job is not over: once its job is over and it left the
 * hub, nothing of it is kept, so an agent that sees hundreds of thousands of boards holds only the boards at hand. A
 * board plugged in again later is a new power-up and gets the next order.
 */
public final class Rig implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Rig.class);

    private final JobRunner runner;
    private final JobSettings settings;
    private final StateDir stateDir;
    private final Clock clock;
    private final Consumer<BoardEvent> events;
    private final ExecutorService jobThreads;
    private final Presence presence;

    private final Map<String, FlashJob> jobs = new HashMap<>();
    // The order lives in the job's slot and is forgotten with the job; only the counter outlives the boards.
    private int lastOrder;

    /** @param events receives every job event (the durable queue and the operator's display) */
    public Rig(Programmer programmer, MacAuthority macs, StateDir stateDir, JobSettings settings, Clock clock, Consumer<BoardEvent> events) {
        this.settings = settings;
        this.stateDir = stateDir;
        this.clock = clock;
        this.events = events;
        this.runner = new JobRunner(programmer, macs, new OtpIntents(stateDir.intents()), settings, new Semaphore(settings.parallel(), true));
        AtomicInteger threads = new AtomicInteger();
        this.jobThreads = Executors.newCachedThreadPool(r -> daemon(r, "flash-job-" + threads.incrementAndGet()));
        this.presence = new Presence(settings.reenumerationGrace(), this::forget);
    }

    /** Handles one watcher event. */
    public synchronized void accept(BoardWatcherEvent event) {
        if (event instanceof BoardWatcherEvent.Attached attached) {
            attached(attached.board());
        } else {
            detached(event.board());
        }
    }

    private void attached(UsbBoard board) {
        String key = key(board);
        boolean shared = presence.arrived(key, board.deviceId());
        FlashJob job = jobs.get(key);
        if (job != null && !job.over()) {
            if (shared) {
                job.sharedSerial();
            } else {
                // Back after re-enumerating (or a bounce shorter than the grace): the same job goes on.
                job.attached();
            }
            return;
        }
        Slot slot = Slot.newBuilder().setPortPath(board.portPath()).setLabel(settings.slotMap().getOrDefault(board.portPath(), ""))
                .setPowerUpOrder(++lastOrder).build();
        FlashJob created = new FlashJob(key, slot, board.productId(), board.product(), clock, events);
        presence.track(created);
        jobs.put(key, created);
        BoardSerial serial;
        try {
            serial = BoardSerial.fromUsb(key);
        } catch (IllegalArgumentException e) {
            // Rare, and nothing runs for it: announced and refused here, so that no later input comes first.
            created.detected();
            created.failed(FailureReason.FAILURE_REASON_INVALID_SERIAL, e.getMessage() + " The board is not flashed.", List.of());
            return;
        }
        if (shared) {
            // Taken as an input: the job fails as a duplicate as it announces itself.
            created.sharedSerial();
        }
        // The job thread announces the board (its detected event, durable before it returns): the watcher hands on the
        // next board of its listing at once, and the boards of one listing share their syncs instead of queueing for them.
        try {
            jobThreads.execute(() -> run(created, serial));
        } catch (RejectedExecutionException e) {
            // The rig is stopping: the board is left as it is, the next run flashes it.
            LOG.debugf("board %s appeared while the rig stops; it is left for the next run", key);
        }
    }

    private void run(FlashJob job, BoardSerial serial) {
        try {
            if (job.detected()) {
                runner.run(job, serial, stateDir.attemptLog(serial.value(), job.detectedAt(), job.attemptId()));
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "the job of board %s stopped unexpectedly", serial);
        }
    }

    private void detached(UsbBoard board) {
        String key = key(board);
        FlashJob job = jobs.get(key);
        if (presence.left(key, board.deviceId()) && job != null) {
            job.detached();
            presence.judgeAbsenceLater(job);
        }
    }

    /** Forgets a job that is over, unless a new job of the same serial took its place meanwhile. */
    private synchronized void forget(FlashJob job) {
        jobs.remove(job.serial(), job);
    }

    private static String key(UsbBoard board) {
        return board.serial().strip().toUpperCase(Locale.ROOT);
    }

    /** How many boards the rig holds anything for: those on the hub and those whose job is not over. */
    synchronized int boardsRemembered() {
        Set<String> keys = new HashSet<>(jobs.keySet());
        keys.addAll(presence.serials());
        return keys.size();
    }

    /** Stops every job where it is (programmers are killed); the next run's OTP read decides about MACs. */
    @Override
    public void close() {
        presence.close();
        jobThreads.shutdownNow();
        try {
            jobThreads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
