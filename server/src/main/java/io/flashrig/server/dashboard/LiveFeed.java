package io.flashrig.server.dashboard;

import io.flashrig.server.sql.Listener;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGNotification;

/**
 * Pushes every committed board event and rig change to the live view. PostgreSQL notifies at commit (triggers in
 * V10 and V31), on whichever replica committed, so every replica's dashboard sees every rig and nothing uncommitted.
 * Revoked admin and viewer tokens are announced the same way (V17), so that every replica closes the streams opened
 * with them.
 */
@ApplicationScoped
public class LiveFeed {

    private static final Logger LOG = Logger.getLogger(LiveFeed.class);

    static final String BOARD_CHANNEL = "flashrig_board_event";
    static final String RIG_CHANNEL = "flashrig_rig";
    static final String ALERT_CHANNEL = "flashrig_mac_alert";
    static final String TOKEN_CHANNEL = "flashrig_token_revoked";
    /**
     * How far before the listening connection was lost a reconnect looks for revoked tokens: revoked_at is stamped by
     * the clock of the replica that revoked, which may differ a little from this one's.
     */
    private static final Duration REVOCATION_CLOCK_SLACK = Duration.ofMinutes(1);
    /** Updates a slow dashboard may fall behind by before its stream is closed; it then reloads a snapshot. */
    private static final int SUBSCRIBER_BUFFER = 2_048;
    /** How long one wait for notifications lasts, so that a shutdown is noticed. */
    private static final int WAIT_MILLIS = 5_000;
    /** Board events looked up together at most: a rig delivering a long queue still gets bounded queries. */
    private static final int MAX_BURST = 500;

    private final BroadcastProcessor<LiveUpdate> updates = BroadcastProcessor.create();
    private final BroadcastProcessor<Long> revocations = BroadcastProcessor.create();
    private final LiveQueries queries;
    private final Listener listener;
    /**
     * Since when revocations went unheard: the listening connection was lost, or (at start) not yet open while
     * dashboards could already subscribe. Only the listener's thread reads and writes it.
     */
    private Instant lostAt = Instant.now();

    LiveFeed(LiveQueries queries, DataSource dataSource) {
        this.queries = queries;
        this.listener = new Listener("flashrig-live-feed", "The live view lost its database connection",
                List.of(BOARD_CHANNEL, RIG_CHANNEL, ALERT_CHANNEL, TOKEN_CHANNEL), WAIT_MILLIS, false, dataSource,
                new Publishing());
    }

    void start(@Observes StartupEvent event) {
        listener.start();
    }

    void stop(@Observes ShutdownEvent event) {
        listener.stop();
        updates.onComplete();
        revocations.onComplete();
    }

    /** Every update from now on; the stream fails if its subscriber falls {@value #SUBSCRIBER_BUFFER} behind. */
    public Multi<LiveUpdate> updates() {
        return updates.onOverflow().buffer(SUBSCRIBER_BUFFER);
    }

    /** The id of every admin or viewer token revoked from now on, on any replica. */
    public Multi<Long> revocations() {
        return revocations.onOverflow().buffer(SUBSCRIBER_BUFFER);
    }

    /** Publishes what it hears, and after a lost link, the revocations it may have missed. */
    private final class Publishing implements Listener.Handler {

        @Override
        public void listening(Connection connection) throws SQLException {
            if (lostAt != null) {
                // Listening first, so that a revocation is either looked up here or heard, never neither.
                revokedSince(connection, lostAt.minus(REVOCATION_CLOCK_SLACK)).forEach(revocations::onNext);
                lostAt = null;
            }
        }

        @Override
        public void heard(PGNotification[] notifications) {
            publish(notifications);
        }

        @Override
        public void lost() {
            if (lostAt == null) {
                lostAt = Instant.now();
            }
        }
    }

    /**
     * Publishes what arrived since the last wait. Board events come in bursts (a rig delivering its queue, 32 boards
     * flashing at once): they are looked up together, each board once, so that the feed keeps up with the fan-in.
     */
    private void publish(PGNotification[] notifications) {
        List<UUID> boardEvents = new ArrayList<>();
        // Every delivery of events touches its rig's row (last seen): one rig update per burst is enough too.
        Set<Long> rigs = new LinkedHashSet<>();
        for (PGNotification notification : notifications) {
            try {
                if (BOARD_CHANNEL.equals(notification.getName())) {
                    // One notification names the events that one statement stored (V31).
                    for (String eventId : notification.getParameter().split(",")) {
                        boardEvents.add(UUID.fromString(eventId));
                        if (boardEvents.size() == MAX_BURST) {
                            publishBoards(boardEvents);
                            boardEvents.clear();
                        }
                    }
                } else if (RIG_CHANNEL.equals(notification.getName())) {
                    rigs.add(Long.parseLong(notification.getParameter()));
                } else if (TOKEN_CHANNEL.equals(notification.getName())) {
                    revocations.onNext(Long.parseLong(notification.getParameter()));
                } else if (ALERT_CHANNEL.equals(notification.getName())) {
                    queries.alert(Long.parseLong(notification.getParameter()))
                            .ifPresent(a -> updates.onNext(LiveUpdate.of(a)));
                }
            } catch (RuntimeException e) {
                lost(notification.getName() + "/" + notification.getParameter(), e);
            }
        }
        if (!boardEvents.isEmpty()) {
            publishBoards(boardEvents);
        }
        try {
            queries.rigs(rigs).forEach(r -> updates.onNext(LiveUpdate.of(r)));
        } catch (RuntimeException e) {
            lost(rigs.size() + " rigs", e);
        }
    }

    private static List<Long> revokedSince(Connection connection, Instant since) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT id FROM api_token WHERE revoked_at >= ?")) {
            query.setTimestamp(1, Timestamp.from(since));
            List<Long> ids = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
            return ids;
        }
    }

    private void publishBoards(List<UUID> eventIds) {
        LiveQueries.BoardChanges changes;
        try {
            changes = queries.boardsOfEvents(eventIds);
        } catch (RuntimeException e) {
            lost(eventIds.size() + " board events", e);
            return;
        }
        PoolSummary pool = null;
        if (changes.poolChanged()) {
            try {
                pool = queries.pool();
            } catch (RuntimeException e) {
                // The boards go out all the same; the gauge catches up with the next change of the pool.
                lost("of the MAC pool", e);
            }
        }
        List<LiveBoard> boards = changes.boards();
        for (int i = 0; i < boards.size(); i++) {
            // The pool's figures ride on the last update only: a dashboard needs them once per burst.
            updates.onNext(LiveUpdate.of(boards.get(i), i == boards.size() - 1 ? pool : null));
        }
    }

    private static void lost(String what, RuntimeException e) {
        // The listener must keep going. A dashboard shows what was lost once it next loads a snapshot (on reload or
        // reconnect) or hears of the same board again.
        LOG.warnf("Could not publish live update %s: %s", what, e.getMessage());
    }
}
