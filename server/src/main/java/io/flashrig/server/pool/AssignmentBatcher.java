package io.flashrig.server.pool;

import io.flashrig.contract.BoardSerial;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Gathers the boards that ask for a MAC while the database works on the previous asks, and hands them to it together
 * ({@link MacAllocator#assignAll}): under load a replica pays one transaction per batch, not per board (issue 18). No
 * thread of its own: a caller that finds a batch slot free sends every ask waiting, its own among them, on its own
 * thread, and wakes the next waiting caller when it is done; the others sleep until their answer is in. A lone ask
 * goes at once, as a batch of one, when no batch is in the database; nobody waits for a batch to fill, only for the
 * one in flight to come back when too few asks wait to be worth a second. Anything a batch cannot settle - a rig near its
 * quota, a batch that failed - is asked alone, as before batches, by the caller's own thread.
 *
 * <p>No wait is unbounded: an ask still queued when its wait runs out is taken back and asked alone, and an ask a
 * sender took but did not answer in time fails as a passing failure (the rig retries and gets the same MAC back if it
 * was given). A caller whose ask a sender already took sleeps rather than trying to send again.
 */
@ApplicationScoped
public class AssignmentBatcher {

    private static final Logger LOG = Logger.getLogger(AssignmentBatcher.class);

    /** Boards per statement: beyond this the statement's arrays only make the batch slower to come back. */
    private static final int MAX_BATCH = 64;
    /** Statements in flight per replica: a second one only when the asks are many (below). */
    private static final int SENDERS = 2;
    /**
     * Asks that make a second batch worth sending beside one in the database. A batch costs the database a fixed
     * ~0.6 ms plus ~0.05 ms a board (issue 18, pg_stat_statements): fewer asks wait for the batch in flight and go with
     * the next, which at 32 callers cut the database's CPU per assignment by a quarter against sending every ask at once.
     */
    static final int SECOND_BATCH_MIN = 16;
    /** Asks waiting; a full queue sends the ask alone rather than wait. */
    private static final int CAPACITY = 4_096;

    /** How long a caller waits for a batch: the agent gives up on a call after 10 s and asks again. */
    static final Duration MAX_WAIT = Duration.ofSeconds(10);

    /** Sends one batch of asks (distinct serials) and answers each, in order. */
    interface BatchSender {
        List<MacAllocator.Outcome> send(List<MacAllocator.Ask> asks) throws Exception;
    }

    /** A batch that took the ask did not answer within {@link #MAX_WAIT}: a passing failure, as a slow database is. */
    static final class AnswerLate extends RuntimeException {
        AnswerLate(String message) {
            super(message, new SQLTimeoutException(message));
        }

        AnswerLate(Duration waited) {
            this("No answer from the database within " + waited.toSeconds() + " s");
        }
    }

    /** One caller's ask, its thread, and its outcome once settled (null outcome: ask alone). */
    private static final class Waiting {
        private final MacAllocator.Ask ask;
        private final Thread caller = Thread.currentThread();
        /** A sender drained it from the queue: only that sender answers it now. */
        private volatile boolean taken;
        private volatile boolean settled;
        private MacAllocator.Outcome outcome;

        Waiting(MacAllocator.Ask ask) {
            this.ask = ask;
        }

        void settle(MacAllocator.Outcome outcome) {
            this.outcome = outcome;
            settled = true;
            LockSupport.unpark(caller);
        }
    }

    private final BlockingQueue<Waiting> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Semaphore senders = new Semaphore(SENDERS);
    private final BatchSender sender;
    private final long maxWaitNanos;

    @Inject
    AssignmentBatcher(MacAllocator allocator, DataSource dataSource) {
        this(asks -> {
            try (Connection c = dataSource.getConnection()) {
                return allocator.assignAll(c, asks, Instant.now());
            }
        }, MAX_WAIT);
    }

    AssignmentBatcher(BatchSender sender, Duration maxWait) {
        this.sender = sender;
        this.maxWaitNanos = maxWait.toNanos();
    }

    /**
     * The serial's MAC, asked in the next batch; {@code alone} asks for it by itself when the batch leaves it. Blocks
     * the calling worker thread until the outcome is known.
     */
    MacAllocator.Assignment assign(BoardSerial serial, Long rigId, String attemptId,
            Supplier<MacAllocator.Assignment> alone) {
        Waiting me = new Waiting(new MacAllocator.Ask(serial, rigId, attemptId));
        if (!queue.offer(me)) {
            return alone.get();
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + maxWaitNanos;
        while (!me.settled) {
            if (!me.taken && worthSending() && senders.tryAcquire()) {
                try {
                    sendWaiting();
                } finally {
                    senders.release();
                    // Whoever now heads the queue sends next, if no other sender took it meanwhile.
                    Waiting next = queue.peek();
                    if (next != null) {
                        LockSupport.unpark(next.caller);
                    }
                }
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                LockSupport.parkNanos(this, left);
                // The ask may be in the database's hands already: its answer is waited for, the interrupt kept.
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!me.settled) {
            // Both senders are busy past the wait: an ask no sender took is asked alone; a taken one stays theirs.
            if (queue.remove(me)) {
                return alone.get();
            }
            if (!me.settled) {
                throw new AnswerLate(Duration.ofNanos(maxWaitNanos));
            }
        }
        MacAllocator.Outcome settled = me.outcome;
        if (settled == null || settled.askAlone()) {
            return alone.get();
        }
        if (settled.refusal() != null) {
            throw settled.refusal();
        }
        return settled.assignment();
    }

    /**
     * Whether a free sender should go now: always when none is in the database; beside one that is, only with
     * {@link #SECOND_BATCH_MIN} asks. Fewer wait for the batch in flight to come back and go with whatever arrived
     * meanwhile; the sender coming back wakes the first of them.
     */
    private boolean worthSending() {
        return senders.availablePermits() == SENDERS || queue.size() >= SECOND_BATCH_MIN;
    }

    /** Asks waiting for a sender. */
    int queued() {
        return queue.size();
    }

    private void sendWaiting() {
        List<Waiting> batch = new ArrayList<>();
        queue.drainTo(batch, MAX_BATCH);
        if (batch.isEmpty()) {
            return;
        }
        batch.forEach(w -> w.taken = true);
        try {
            answer(batch);
        } finally {
            // Whatever went wrong, no taken ask is left unanswered: those the batch did not settle are asked alone.
            batch.stream().filter(w -> !w.settled).forEach(w -> w.settle(null));
        }
    }

    private void answer(List<Waiting> batch) {
        // One ask per serial: a board asked for twice (a retry) gets its MAC twice, newly assigned only the first time.
        Map<BoardSerial, List<Waiting>> bySerial = new LinkedHashMap<>();
        for (Waiting waiting : batch) {
            bySerial.computeIfAbsent(waiting.ask.serial(), s -> new ArrayList<>(1)).add(waiting);
        }
        List<MacAllocator.Ask> asks = bySerial.values().stream().map(w -> w.get(0).ask).toList();
        List<MacAllocator.Outcome> outcomes;
        try {
            outcomes = sender.send(asks);
        } catch (Exception e) {
            LOG.warnf("A batch of %d MAC asks failed (%s); each is asked alone", batch.size(), e.toString());
            batch.forEach(w -> w.settle(null));
            return;
        }
        int i = 0;
        for (List<Waiting> same : bySerial.values()) {
            MacAllocator.Outcome outcome = outcomes.get(i++);
            same.get(0).settle(outcome);
            MacAllocator.Outcome again = outcome.assignment() == null ? outcome : new MacAllocator.Outcome(
                    new MacAllocator.Assignment(outcome.assignment().mac(), outcome.assignment().state(), false), null);
            same.subList(1, same.size()).forEach(w -> w.settle(again));
        }
    }
}
