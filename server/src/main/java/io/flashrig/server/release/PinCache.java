package io.flashrig.server.release;

import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.server.sql.NotifiedCache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.Optional;
import java.util.function.LongFunction;
import javax.sql.DataSource;

/**
 * The release each rig flashes, as its answers carry it, kept by rig id for all of the rig's streams, sessions and
 * checks on this replica (issue 18: reading it took a transaction, a flush and two queries on every stream answer).
 * A change that can move any rig's release - a pin, the default, a release retired, also by hand in SQL - notifies
 * every replica at commit (V31's triggers), which forgets every rig's; the replica that made the change forgets right
 * after its own commit, so that its very next answer carries the new release. While this replica cannot listen, it
 * keeps nothing and reads the release for every answer, as before.
 */
@ApplicationScoped
public class PinCache {

    static final String CHANNEL = "flashrig_release";
    /** Far more than rigs in service: beyond it, answers simply read the database. */
    private static final int MAX_ENTRIES = 10_000;
    /** How long one wait for notifications lasts: how soon a link that died without a word is noticed. */
    private static final int WAIT_MILLIS = 2_000;

    private final NotifiedCache<Long, Optional<ReleasePin>> pins;

    PinCache(DataSource dataSource, TransactionSynchronizationRegistry transactions) {
        this.pins = new NotifiedCache<>("flashrig-pin-cache", "Rigs' releases are read for every answer while the"
                + " database is unreachable", CHANNEL, WAIT_MILLIS, MAX_ENTRIES, dataSource, transactions);
    }

    void start(@Observes StartupEvent event) {
        pins.start();
    }

    void stop(@Observes ShutdownEvent event) {
        pins.stop();
    }

    /** The rig's release as last read, else as {@code read} reads it now (and kept, unless it changed meanwhile). */
    Optional<ReleasePin> get(long rigId, LongFunction<Optional<ReleasePin>> read) {
        Optional<ReleasePin> kept = pins.get(rigId);
        if (kept != null) {
            return kept;
        }
        long readAt = pins.generation();
        Optional<ReleasePin> pin = read.apply(rigId);
        pins.put(rigId, pin, readAt);
        return pin;
    }

    /** Forgets every rig's release once the current transaction, which changes one, ends. */
    void forgetAfterCommit() {
        pins.forgetAfterCommit();
    }
}
