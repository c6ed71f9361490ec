package io.flashrig.server.sql;

import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGNotification;

/**
 * What one replica keeps in memory of rows that any replica (or a person in SQL) may change. Triggers notify a channel
 * at the commit of every change, and the whole cache is forgotten when that is heard; the replica that made a change
 * forgets right after its own commit ({@link #forgetAfterCommit}), without waiting to hear of it. While the replica
 * cannot listen, it keeps nothing, and every read goes to the database.
 */
public final class NotifiedCache<K, V> {

    private final Map<K, V> entries = new ConcurrentHashMap<>();
    /** Moves on every forgetting: a read that began before one must not put its (possibly stale) answer back. */
    private final AtomicLong generation = new AtomicLong();
    private final int maxEntries;
    private final TransactionSynchronizationRegistry transactions;
    private final Listener listener;
    private volatile boolean listening;

    /**
     * @param name       the listening thread's name
     * @param whenLost   what a lost link means, for the log
     * @param waitMillis how long one wait for notifications lasts: how soon a link that died without a word is noticed
     * @param maxEntries beyond it, nothing more is kept and reads go to the database
     */
    public NotifiedCache(String name, String whenLost, String channel, int waitMillis, int maxEntries,
            DataSource dataSource, TransactionSynchronizationRegistry transactions) {
        this.maxEntries = maxEntries;
        this.transactions = transactions;
        this.listener = new Listener(name, whenLost, List.of(channel), waitMillis, true, dataSource, new Forgetting());
    }

    public void start() {
        listener.start();
    }

    public void stop() {
        listener.stop();
    }

    /** What is kept for {@code key}, or null: nothing kept since the last change, or this replica cannot listen. */
    public V get(K key) {
        return listening ? entries.get(key) : null;
    }

    /** Read before reading the database, and handed to {@link #put}. */
    public long generation() {
        return generation.get();
    }

    /** Keeps what was read, unless anything changed since {@code readAt} (a {@link #generation()}). */
    public void put(K key, V value, long readAt) {
        if (!listening || generation.get() != readAt || entries.size() >= maxEntries) {
            return;
        }
        entries.put(key, value);
        // A forgetting between the test above and the put must still win.
        if (generation.get() != readAt) {
            entries.remove(key);
        }
    }

    /**
     * Forgets everything once the current transaction ends (committed or not): for a transaction that changes what is
     * kept, so that this replica reads the change from the moment it is committed. The other replicas hear of it.
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
        entries.clear();
    }

    /** Any change empties the cache, and so does every moment this replica may not hear of one. */
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
