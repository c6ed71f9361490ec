package io.flashrig.server.security;

import io.flashrig.server.sql.NotifiedCache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * Who recently accepted tokens belong to, so that a rig's every call does not look its token up in the database
 * (issue 18: a second transaction per call). Only accepted tokens are kept, by hash. Revocation stays immediate: a
 * change to any token, on any replica or by hand in SQL, notifies every replica at commit (V30's triggers), which
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

    private final NotifiedCache<String, Entry> callers;

    TokenCache(DataSource dataSource, TransactionSynchronizationRegistry transactions) {
        this.callers = new NotifiedCache<>("flashrig-token-cache", "Token lookups are not cached while the database is"
                + " unreachable", CHANNEL, WAIT_MILLIS, MAX_ENTRIES, dataSource, transactions);
    }

    void start(@Observes StartupEvent event) {
        callers.start();
    }

    void stop(@Observes ShutdownEvent event) {
        callers.stop();
    }

    /**
     * The caller holding the token of this hash, if it was accepted since the last change to any token. Past half its
     * age an entry sends one caller to the database, whose answer renews it, while the others still use it: so that a
     * busy rig's calls do not all miss together each time its entry expires.
     */
    Caller get(String hash) {
        Entry entry = callers.get(hash);
        if (entry == null) {
            return null;
        }
        long age = System.nanoTime() - entry.at();
        if (age > MAX_AGE_NANOS || age > MAX_AGE_NANOS / 2 && entry.refreshing().compareAndSet(false, true)) {
            return null;
        }
        return entry.caller();
    }

    /**
     * The caller holding the token of this hash while its entry is younger than half its age; null otherwise. Leaves
     * the renewal of an older entry to {@link #get}, whose caller looks it up.
     */
    Caller fresh(String hash) {
        Entry entry = callers.get(hash);
        return entry != null && System.nanoTime() - entry.at() <= MAX_AGE_NANOS / 2 ? entry.caller() : null;
    }

    /** Read before looking a token up in the database, and handed to {@link #put}. */
    long generation() {
        return callers.generation();
    }

    /** Keeps an accepted token, unless any token changed since {@code lookedUpAt} (a {@link #generation()}). */
    void put(String hash, Caller caller, long lookedUpAt) {
        callers.put(hash, new Entry(caller, System.nanoTime(), new AtomicBoolean()), lookedUpAt);
    }

    /**
     * Empties this replica's cache once the current transaction commits (or rolls back): for a transaction that
     * changes a token, so that this replica refuses the old token from the moment the change is committed. The other
     * replicas hear of it by notification.
     */
    public void forgetAfterCommit() {
        callers.forgetAfterCommit();
    }
}
