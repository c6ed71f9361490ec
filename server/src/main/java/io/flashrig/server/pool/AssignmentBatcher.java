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
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    /** How often the waits are looked at while asks are outstanding: a wait may run this much over its bound. */
    private static final Duration WATCH_PERIOD = Duration.ofMillis(250);

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
        private final long queuedAt = System.nanoTime();
        /** Answered, failed, or handed on to be asked alone: whoever comes first, and only once. */
        private final AtomicBoolean handled = new AtomicBoolean();

        Pending(MacAllocator.Ask ask, Supplier<MacAllocator.Assignment> alone) {
            this.ask = ask;
            this.alone = alone;
        }

        boolean handle() {
            return handled.compareAndSet(false, true);
        }
    }

    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(CAPACITY);
    /** Asks a sender took and has not answered yet. */
    private final Set<Pending> taken = ConcurrentHashMap.newKeySet();
    private final Semaphore senders = new Semaphore(SENDERS);
    private final BatchSender sender;
    private final Executor workers;
    private final ScheduledExecutorService watchdog;
    private final AtomicBoolean watching = new AtomicBoolean();
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
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flashrig-assignment-waits");
            t.setDaemon(true);
            return t;
        });
    }

    @PreDestroy
    void stop() {
        watchdog.shutdownNow();
        // Nothing is left waiting on a server that stops: the rigs ask again, of another replica or of this one back.
        List<Pending> left = new ArrayList<>(taken);
        queue.drainTo(left);
        left.stream().filter(Pending::handle)
                .forEach(p -> p.answer.completeExceptionally(new AnswerLate("The server is stopping; ask again")));
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
        watch();
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
        return worthSending(0);
    }

    /** {@link #worthSending()} for a sender that holds {@code held} of the places itself. */
    private boolean worthSending(int held) {
        return senders.availablePermits() + held == SENDERS || queue.size() >= SECOND_BATCH_MIN;
    }

    private void dispatch() {
        while (!queue.isEmpty() && worthSending() && senders.tryAcquire()) {
            try {
                workers.execute(this::sendWhileAsked);
            } catch (RejectedExecutionException stopping) {
                senders.release();
                LOG.warn("No worker thread to send MAC asks (the server is stopping); they are asked alone or expire");
                return;
            } catch (RuntimeException | Error e) {
                senders.release();
                throw e;
            }
        }
    }

    /**
     * A sender: batch after batch while asks wait and the rule of {@link #worthSending} still holds for it, then it
     * gives its place back.
     */
    private void sendWhileAsked() {
        try {
            while (worthSending(1)) {
                List<Pending> batch = drain();
                if (batch.isEmpty()) {
                    break;
                }
                taken.addAll(batch);
                // Taken asks are watched too: a batch drained between two looks must not end the watch.
                watch();
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
            batch.forEach(this::askAlone);
            taken.removeAll(batch);
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
        } else if (pending.handle()) {
            if (outcome.refusal() != null) {
                pending.answer.completeExceptionally(outcome.refusal());
            } else {
                pending.answer.complete(outcome.assignment());
            }
        }
    }

    /** Asks by itself, on a worker thread, as before batches; unless the ask was already answered or handed on. */
    private void askAlone(Pending pending) {
        if (pending.handle()) {
            runAlone(pending);
        }
    }

    private void runAlone(Pending pending) {
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
        } catch (RuntimeException | Error e) {
            // No thread to ask it on: answered with the failure rather than left for a watchdog that skips it.
            pending.answer.completeExceptionally(e);
        }
    }

    /**
     * Keeps the waits bounded while asks are outstanding: four looks a second rather than a timer per ask, whose
     * setting and cancelling woke a thread on every call of a lone caller.
     */
    private void watch() {
        if (watching.compareAndSet(false, true)) {
            try {
                watchdog.schedule(this::expireLate, WATCH_PERIOD.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException stopping) {
                watching.set(false);
            }
        }
    }

    /**
     * Every ask that has waited past its bound: taken back and asked alone while still queued, a passing failure once
     * a sender took it (the rig asks again and gets the same MAC back if it was given).
     */
    private void expireLate() {
        try {
            long now = System.nanoTime();
            for (Pending pending : queue) {
                if (now - pending.queuedAt > maxWaitNanos && queue.remove(pending)) {
                    askAlone(pending);
                }
            }
            for (Pending pending : taken) {
                if (now - pending.queuedAt > maxWaitNanos && pending.handle()) {
                    pending.answer.completeExceptionally(new AnswerLate(Duration.ofNanos(maxWaitNanos)));
                }
            }
        } finally {
            watching.set(false);
            // Asks still outstanding (or queued while this look ran) keep the watch going, whatever went wrong.
            if (!queue.isEmpty() || !taken.isEmpty()) {
                watch();
            }
        }
    }
}
