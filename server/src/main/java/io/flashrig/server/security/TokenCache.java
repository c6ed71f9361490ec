package io.flashrig.server.security;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

/**
 * Who recently accepted tokens belong to, so that a rig's every call does not look its token up in the database
 * (issue 18: a second transaction per call). Only accepted tokens are kept, by hash. Revocation stays immediate: a
 * change to any token, on any replica or by hand in SQL, notifies every replica at commit (V25's triggers), which
 * empties its cache; the replica that made the change empties its own right after its commit. While this replica
 * cannot listen, it keeps nothing, and every call asks the database again.
 */
@ApplicationScoped
public class TokenCache {

    private static final Logger LOG = Logger.getLogger(TokenCache.class);

    static final String CHANNEL = "flashrig_credentials";
    /** Far more tokens than rigs and admins: beyond it, lookups simply go to the database. */
    private static final int MAX_ENTRIES = 10_000;
    /** How long one wait for notifications lasts; each wait ends with a round trip that proves the link alive. */
    private static final int WAIT_MILLIS = 2_000;
    private static final int NETWORK_TIMEOUT_MILLIS = 10_000;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Map<String, Caller> callers = new ConcurrentHashMap<>();
    /** Moves on every emptying: a lookup that began before one must not put its (possibly stale) answer back. */
    private final AtomicLong generation = new AtomicLong();
    private final DataSource dataSource;
    private final TransactionSynchronizationRegistry transactions;
    private volatile boolean listening;
    private volatile boolean running;
    private Thread listener;

    TokenCache(DataSource dataSource, TransactionSynchronizationRegistry transactions) {
        this.dataSource = dataSource;
        this.transactions = transactions;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        listener = new Thread(this::listen, "flashrig-token-cache");
        listener.setDaemon(true);
        listener.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (listener != null) {
            listener.interrupt();
        }
    }

    /** The caller holding the token of this hash, if it was accepted since the last change to any token. */
    Caller get(String hash) {
        return listening ? callers.get(hash) : null;
    }

    /** Read before looking a token up in the database, and handed to {@link #put}. */
    long generation() {
        return generation.get();
    }

    /** Keeps an accepted token, unless any token changed since {@code lookedUpAt} (a {@link #generation()}). */
    void put(String hash, Caller caller, long lookedUpAt) {
        if (!listening || generation.get() != lookedUpAt || callers.size() >= MAX_ENTRIES) {
            return;
        }
        callers.put(hash, caller);
        // An emptying between the test above and the put must still win.
        if (generation.get() != lookedUpAt) {
            callers.remove(hash);
        }
    }

    /**
     * Empties this replica's cache once the current transaction commits (or rolls back): for a transaction that
     * changes a token, so that this replica refuses the old token from the moment the change is committed. The other
     * replicas hear of it by notification.
     */
    public void forgetAfterCommit() {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                forget();
            }
        });
    }

    private void forget() {
        generation.incrementAndGet();
        callers.clear();
    }

    private void listen() {
        Duration backoff = Duration.ofSeconds(1);
        while (running) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                connection.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
                statement.execute("LISTEN " + CHANNEL);
                PGConnection postgres = connection.unwrap(PGConnection.class);
                // Listening first, then empty: whatever changed while nobody listened is forgotten.
                forget();
                listening = true;
                backoff = Duration.ofSeconds(1);
                try {
                    while (running) {
                        if (postgres.getNotifications(WAIT_MILLIS) != null) {
                            forget();
                        }
                        // A link that died without a word must not leave the cache trusted.
                        statement.execute("SELECT 1");
                    }
                } finally {
                    listening = false;
                    forget();
                    statement.execute("UNLISTEN *");
                }
            } catch (SQLException e) {
                listening = false;
                forget();
                if (!running) {
                    return;
                }
                LOG.warnf("Token lookups are not cached while the database is unreachable (%s); retrying in %d s",
                        e.getMessage(), backoff.toSeconds());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
