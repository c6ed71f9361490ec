package io.flashrig.server.security;

import io.flashrig.server.sql.Listener;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGNotification;

/**
 * Who recently accepted tokens belong to, so that a rig's every call does not look its token up in the database
 * (issue 18: a second transaction per call). Only accepted tokens are kept, by hash. Revocation stays immediate: a
 * change to any token, on any replica or by hand in SQL, notifies every replica at commit (V25's triggers), which
 * empties its cache; the replica that made the change empties its own right after its commit. While this replica
 * cannot listen, it keeps nothing, and every call asks the database again. An entry is also forgotten after
 * {@link #MAX_AGE_NANOS}: a listening connection that died without a word takes seconds to notice, and a revoked
 * token must not outlive that.
 */
@ApplicationScoped
public class TokenCache {

    static final String CHANNEL = "flashrig_credentials";
    /** Far more tokens than rigs and admins: beyond it, lookups simply go to the database. */
    private static final int MAX_ENTRIES = 10_000;
    /** How long one wait for notifications lasts: how soon a link that died without a word is noticed. */
    private static final int WAIT_MILLIS = 2_000;

    /** The longest a revocation can go unseen here when its notification is lost; a busy rig still hits the cache. */
    static final long MAX_AGE_NANOS = 1_000_000_000L;

    /** An accepted token's holder, since when, and whether one caller is already looking it up again. */
    private record Entry(Caller caller, long at, AtomicBoolean refreshing) {
    }

    private final Map<String, Entry> callers = new ConcurrentHashMap<>();
    /** Moves on every emptying: a lookup that began before one must not put its (possibly stale) answer back. */
    private final AtomicLong generation = new AtomicLong();
    private final TransactionSynchronizationRegistry transactions;
    private final Listener listener;
    private volatile boolean listening;

    TokenCache(DataSource dataSource, TransactionSynchronizationRegistry transactions) {
        this.transactions = transactions;
        this.listener = new Listener("flashrig-token-cache", "Token lookups are not cached while the database is"
                + " unreachable", List.of(CHANNEL), WAIT_MILLIS, true, dataSource, new Forgetting());
    }

    void start(@Observes StartupEvent event) {
        listener.start();
    }

    void stop(@Observes ShutdownEvent event) {
        listener.stop();
    }

    /**
     * The caller holding the token of this hash, if it was accepted since the last change to any token. Past half its
     * age an entry sends one caller to the database, whose answer renews it, while the others still use it: so that a
     * busy rig's calls do not all miss together each time its entry expires.
     */
    Caller get(String hash) {
        Entry entry = listening ? callers.get(hash) : null;
        if (entry == null) {
            return null;
        }
        long age = System.nanoTime() - entry.at();
        if (age > MAX_AGE_NANOS || age > MAX_AGE_NANOS / 2 && entry.refreshing().compareAndSet(false, true)) {
            return null;
        }
        return entry.caller();
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
        callers.put(hash, new Entry(caller, System.nanoTime(), new AtomicBoolean()));
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

    /** Any change to any token empties the cache, and so does every moment this replica may not hear of one. */
    private final class Forgetting implements Listener.Handler {

        @Override
        public void listening(Connection connection) {
            // Whatever changed while nobody listened is forgotten.
            forget();
            listening = true;
        }

        @Override
        public void heard(PGNotification[] notifications) {
            forget();
        }

        @Override
        public void lost() {
            listening = false;
            forget();
        }
    }
}
