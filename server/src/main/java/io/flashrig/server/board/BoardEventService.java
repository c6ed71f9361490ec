package io.flashrig.server.board;

import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.RejectedEvent;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.pool.PoolService;
import io.flashrig.server.sql.Savepoint;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hibernate.Session;

/**
 * Applies a request of board events inside the caller's transaction: each event id once. Only events inserted by this
 * transaction change boards and flash attempts, so a replay changes nothing.
 *
 * <p>The parts, each in its own file: {@link IncomingEvent} (cleaning and validation, no database), {@link EventLog}
 * (the stored events and queue positions) and {@link BoardProjection} (boards and flash attempts). This class only
 * orders them, falls back to one event at a time when the database refuses a request, and records metrics after commit.
 */
@ApplicationScoped
public class BoardEventService {

    /**
     * What a request left: the rig's answer, the events it newly refused (and the last reason), and how far ahead of the
     * server's clock the rig's latest stamps ran (null when the request carried no well-formed event).
     */
    public record Applied(StreamBoardEventsResponse response, int newlyRejected, String lastRejection,
            Duration clockAhead) {
    }

    private final EntityManager em;
    private final BoardProjection projection;
    private final BoardMetrics metrics;
    private final TransactionSynchronizationRegistry transactions;
    private final FlashRigConfig config;

    BoardEventService(EntityManager em, PoolService pool, BoardMetrics metrics,
            TransactionSynchronizationRegistry transactions, FlashRigConfig config) {
        this.em = em;
        this.projection = new BoardProjection(pool);
        this.metrics = metrics;
        this.transactions = transactions;
        this.config = config;
    }

    /**
     * Applies one stream request. Every event is decided alone: one that is malformed, or that the database refuses, is
     * recorded as rejected and listed, and the rest of the request is committed, so that one bad event never holds up a
     * rig's others. The persistence context may be cleared on the way: callers read their entities again afterwards.
     *
     * @param now when the server received the request, in the database's precision
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Applied apply(EventSource source, StreamBoardEventsRequest request, Instant now) {
        IncomingEvent.requireOrder(request, config.maxEventsPerRequest());
        List<IncomingEvent> incoming = request.getEventsList().stream()
                .map(event -> IncomingEvent.of(source, event, now, config.maxRigClockAhead())).toList();
        Session session = em.unwrap(Session.class);
        RequestOutcome outcome = session.doReturningWork(
                c -> Savepoint.attempt(c, () -> write(c, source, incoming, now))).result();
        if (outcome == null) {
            // The database refused something the checks let through. Undone to the savepoint: find which event, alone.
            // The persistence context may still hold what the savepoint undid, so it starts afresh.
            em.clear();
            outcome = session.doReturningWork(c -> writeOneByOne(c, source, incoming, now));
        }
        long highest = request.getEventsCount() == 0 ? 0
                : request.getEvents(request.getEventsCount() - 1).getSequence();
        long committed = session.doReturningWork(c -> EventLog.advanceQueue(c, source, highest));
        List<RejectedEvent> rejected = new ArrayList<>();
        for (BoardEvent event : request.getEventsList()) {
            String problem = outcome.problems.get(event.getSequence());
            if (problem != null) {
                rejected.add(RejectedEvent.newBuilder().setEventId(IncomingEvent.sentId(event))
                        .setSequence(event.getSequence()).setMessage(problem).build());
            }
        }
        List<RequestOutcome.Ended> ended = outcome.ended;
        int newlyRejected = outcome.newlyRejected;
        afterCommit(() -> {
            ended.forEach(e -> metrics.attemptEnded(e.outcome(), e.duration()));
            metrics.eventsRejected(source.rigName(), newlyRejected);
        });
        Duration ahead = incoming.stream().filter(in -> in.parsed() != null)
                .map(in -> Duration.between(now, in.parsed().stamped())).max(Duration::compareTo).orElse(null);
        return new Applied(StreamBoardEventsResponse.newBuilder().setCommittedThroughSequence(committed)
                .addAllRejected(rejected).build(), newlyRejected, outcome.lastRejection, ahead);
    }

    /** Stores the events that are new and applies the well-formed ones, set-based. */
    private RequestOutcome write(Connection c, EventSource source, List<IncomingEvent> incoming, Instant now)
            throws SQLException {
        RequestOutcome outcome = new RequestOutcome();
        Set<Long> stored = EventLog.store(c, source, incoming, now);
        List<IncomingEvent.Parsed> applicable = new ArrayList<>();
        for (IncomingEvent in : incoming) {
            long sequence = in.sequence();
            if (!stored.contains(sequence)) {
                EventLog.Replay replay = EventLog.replayVerdict(c, source, in.eventId(), sequence);
                if (replay.conflict()) {
                    outcome.rejectedNow(sequence, replay.problem());
                } else if (replay.problem() != null) {
                    outcome.problems.put(sequence, replay.problem());
                }
            } else if (in.malformation() != null) {
                outcome.rejectedNow(sequence, in.malformation());
            } else {
                applicable.add(in.parsed());
            }
        }
        projection.apply(c, source, applicable, outcome);
        return outcome;
    }

    /**
     * Writes the events one at a time, each under its own savepoint; an event the database refuses even alone is
     * recorded as rejected with the database's reason, and the others are written as usual.
     */
    private RequestOutcome writeOneByOne(Connection c, EventSource source, List<IncomingEvent> incoming, Instant now)
            throws SQLException {
        RequestOutcome all = new RequestOutcome();
        for (IncomingEvent in : incoming) {
            Savepoint.Attempt<RequestOutcome> one = Savepoint.attempt(c, () -> write(c, source, List.of(in), now));
            if (one.result() == null) {
                String problem = EventText.clean("The database refused this event (SQLState "
                        + one.refusal().getSQLState() + "): " + one.refusal().getMessage(), EventText.MESSAGE);
                // Recorded without its board or attempt changes; if even that is refused, the request fails as a whole.
                all.add(write(c, source, List.of(in.refusedFor(problem)), now));
            } else {
                all.add(one.result());
            }
        }
        return all;
    }

    private void afterCommit(Runnable action) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }
}
