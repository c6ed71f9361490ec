package io.flashrig.server.pool;

import io.flashrig.contract.BoardSerial;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
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
 * goes at once, as a batch of one; nobody waits for a batch to fill. Anything a batch cannot settle - a rig near its
 * quota, a batch that failed - is asked alone, as before batches, by the caller's own thread.
 */
@ApplicationScoped
public class AssignmentBatcher {

    private static final Logger LOG = Logger.getLogger(AssignmentBatcher.class);

    /** Boards per statement: beyond this the statement's arrays only make the batch slower to come back. */
    private static final int MAX_BATCH = 64;
    /** Statements in flight per replica: one gathering while the other is in the database. */
    private static final int SENDERS = 2;
    /** Asks waiting; a full queue sends the ask alone rather than wait. */
    private static final int CAPACITY = 4_096;

    /** One caller's ask, its thread, and its outcome once settled (null outcome: ask alone). */
    private static final class Waiting {
        private final MacAllocator.Ask ask;
        private final Thread caller = Thread.currentThread();
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
    private final MacAllocator allocator;
    private final DataSource dataSource;

    AssignmentBatcher(MacAllocator allocator, DataSource dataSource) {
        this.allocator = allocator;
        this.dataSource = dataSource;
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
        while (!me.settled) {
            if (senders.tryAcquire()) {
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
                LockSupport.park(this);
                // The ask is in the database's hands already: its answer is waited for, the interrupt kept for later.
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
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

    private void sendWaiting() {
        List<Waiting> batch = new ArrayList<>();
        queue.drainTo(batch, MAX_BATCH);
        if (batch.isEmpty()) {
            return;
        }
        // One ask per serial: a board asked for twice (a retry) gets its MAC twice, newly assigned only the first time.
        Map<BoardSerial, List<Waiting>> bySerial = new LinkedHashMap<>();
        for (Waiting waiting : batch) {
            bySerial.computeIfAbsent(waiting.ask.serial(), s -> new ArrayList<>(1)).add(waiting);
        }
        List<MacAllocator.Ask> asks = bySerial.values().stream().map(w -> w.get(0).ask).toList();
        List<MacAllocator.Outcome> outcomes;
        try (Connection c = dataSource.getConnection()) {
            outcomes = allocator.assignAll(c, asks, Instant.now());
        } catch (Exception e) {
            LOG.debugf(e, "A batch of %d MAC asks failed; each is asked alone", batch.size());
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
