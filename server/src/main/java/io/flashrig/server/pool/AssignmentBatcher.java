package io.flashrig.server.pool;

import io.flashrig.contract.BoardSerial;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PreDestroy;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Gathers the boards that ask for a MAC while the database works on the previous asks, and hands them to it together
 * ({@link MacAllocator#assignAll}): under load a replica pays one transaction per batch, not per board (issue 18). An
 * ask is a future: the caller's thread (a gRPC event loop) queues it and goes on, and a sender on a worker thread sends
 * every ask waiting, answers each, and sends again while asks keep coming; no thread sleeps waiting for its own answer,
 * since a thread woken per board cost the server more than the rest of the assignment. A lone ask goes at once, as a
 * batch of one, when no batch is in the database; nobody waits for a batch to fill, only for the one in flight to come
 * back when too few asks wait to be worth a second. Anything a batch cannot settle - a rig near its quota, a batch that
 * failed - is asked alone, as before batches, on a worker thread.
 *
 * <p>No wait is unbounded: an ask still queued when its wait runs out is taken back and asked alone, and an ask a
 * sender took but did not answer in time fails as a passing failure (the rig retries and gets the same MAC back if it
 * was given).
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

    /** How long an ask waits for a batch: the agent gives up on a call after 10 s and asks again. */
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

    /** One board's ask, how to ask it alone, and its answer to be. */
    private static final class Pending {
        private final MacAllocator.Ask ask;
        private final Supplier<MacAllocator.Assignment> alone;
        private final CompletableFuture<MacAllocator.Assignment> answer = new CompletableFuture<>();
        private volatile ScheduledFuture<?> expiry;

        Pending(MacAllocator.Ask ask, Supplier<MacAllocator.Assignment> alone) {
            this.ask = ask;
            this.alone = alone;
        }
    }

    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Semaphore senders = new Semaphore(SENDERS);
    private final BatchSender sender;
    private final Executor workers;
    private final ScheduledThreadPoolExecutor expiries;
    private final long maxWaitNanos;

    @Inject
    AssignmentBatcher(MacAllocator allocator, DataSource dataSource) {
        this(asks -> {
            try (Connection c = dataSource.getConnection()) {
                return allocator.assignAll(c, asks, Instant.now());
            }
        }, MAX_WAIT, Infrastructure.getDefaultWorkerPool());
    }

    /** @param workers where batches are sent and asks asked alone: threads that may block on the database */
    AssignmentBatcher(BatchSender sender, Duration maxWait, Executor workers) {
        this.sender = sender;
        this.maxWaitNanos = maxWait.toNanos();
        this.workers = workers;
        this.expiries = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "flashrig-assignment-waits");
            t.setDaemon(true);
            return t;
        });
        // An answered ask's wait leaves the timer's queue at once, rather than ten seconds later.
        expiries.setRemoveOnCancelPolicy(true);
    }

    @PreDestroy
    void stop() {
        expiries.shutdownNow();
    }

    /**
     * The serial's MAC, asked in the next batch; {@code alone} asks for it by itself when the batch leaves it, on a
     * worker thread. Never blocks the calling thread.
     */
    CompletableFuture<MacAllocator.Assignment> assign(BoardSerial serial, Long rigId, String attemptId,
            Supplier<MacAllocator.Assignment> alone) {
        Pending pending = new Pending(new MacAllocator.Ask(serial, rigId, attemptId), alone);
        if (!queue.offer(pending)) {
            askAlone(pending);
            return pending.answer;
        }
        try {
            pending.expiry = expiries.schedule(() -> expire(pending), maxWaitNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The server is stopping: the ask still goes, only without its bound.
        }
        if (pending.answer.isDone()) {
            // Answered before its wait was set: nothing will cancel it now.
            cancelExpiry(pending);
        }
        dispatch();
        return pending.answer;
    }

    /** Asks waiting for a sender. */
    int queued() {
        return queue.size();
    }

    /**
     * Whether a free sender should go now: always when none is in the database; beside one that is, only with
     * {@link #SECOND_BATCH_MIN} asks. Fewer wait for the batch in flight: its sender takes them when it comes back.
     */
    private boolean worthSending() {
        return senders.availablePermits() == SENDERS || queue.size() >= SECOND_BATCH_MIN;
    }

    private void dispatch() {
        while (!queue.isEmpty() && worthSending() && senders.tryAcquire()) {
            try {
                workers.execute(this::sendWhileAsked);
            } catch (RejectedExecutionException stopping) {
                senders.release();
                LOG.warn("No worker thread to send MAC asks (the server is stopping); they are asked alone or expire");
                return;
            }
        }
    }

    /** A sender: batch after batch while asks wait, then it gives its place back. */
    private void sendWhileAsked() {
        try {
            for (List<Pending> batch = drain(); !batch.isEmpty(); batch = drain()) {
                send(batch);
            }
        } finally {
            senders.release();
            // An ask queued after the last drain, whose own dispatch found this sender still in place.
            dispatch();
        }
    }

    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>();
        queue.drainTo(batch, MAX_BATCH);
        return batch;
    }

    private void send(List<Pending> batch) {
        try {
            answer(batch);
        } finally {
            // Whatever went wrong, no taken ask is left unanswered: those the batch did not settle are asked alone.
            batch.stream().filter(p -> !p.answer.isDone()).forEach(this::askAlone);
        }
    }

    private void answer(List<Pending> batch) {
        // One ask per serial: a board asked for twice (a retry) gets its MAC twice, newly assigned only the first time.
        Map<BoardSerial, List<Pending>> bySerial = new LinkedHashMap<>();
        for (Pending pending : batch) {
            bySerial.computeIfAbsent(pending.ask.serial(), s -> new ArrayList<>(1)).add(pending);
        }
        List<MacAllocator.Ask> asks = bySerial.values().stream().map(p -> p.get(0).ask).toList();
        List<MacAllocator.Outcome> outcomes;
        try {
            outcomes = sender.send(asks);
        } catch (Exception e) {
            LOG.warnf("A batch of %d MAC asks failed (%s); each is asked alone", batch.size(), e.toString());
            return;
        }
        int i = 0;
        for (List<Pending> same : bySerial.values()) {
            MacAllocator.Outcome outcome = outcomes.get(i++);
            settle(same.get(0), outcome);
            MacAllocator.Outcome again = outcome.assignment() == null ? outcome : new MacAllocator.Outcome(
                    new MacAllocator.Assignment(outcome.assignment().mac(), outcome.assignment().state(), false), null);
            same.subList(1, same.size()).forEach(p -> settle(p, again));
        }
    }

    private void settle(Pending pending, MacAllocator.Outcome outcome) {
        if (outcome.askAlone()) {
            askAlone(pending);
            return;
        }
        cancelExpiry(pending);
        if (outcome.refusal() != null) {
            pending.answer.completeExceptionally(outcome.refusal());
        } else {
            pending.answer.complete(outcome.assignment());
        }
    }

    /** Asks by itself, on a worker thread, as before batches. */
    private void askAlone(Pending pending) {
        cancelExpiry(pending);
        try {
            workers.execute(() -> {
                try {
                    pending.answer.complete(pending.alone.get());
                } catch (Throwable failure) {
                    pending.answer.completeExceptionally(failure);
                }
            });
        } catch (RejectedExecutionException stopping) {
            pending.answer.completeExceptionally(new AnswerLate("The server is stopping; ask again"));
        }
    }

    /** An ask's wait ran out: taken back and asked alone while still queued, a passing failure once a sender took it. */
    private void expire(Pending pending) {
        if (pending.answer.isDone()) {
            return;
        }
        if (queue.remove(pending)) {
            askAlone(pending);
        } else {
            pending.answer.completeExceptionally(new AnswerLate(Duration.ofNanos(maxWaitNanos)));
        }
    }

    private static void cancelExpiry(Pending pending) {
        ScheduledFuture<?> expiry = pending.expiry;
        if (expiry != null) {
            expiry.cancel(false);
        }
    }
}
