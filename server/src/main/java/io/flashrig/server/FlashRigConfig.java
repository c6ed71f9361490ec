package io.flashrig.server;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** FlashRig's own settings, under {@code flashrig.*} (environment: {@code FLASHRIG_*}). */
@ConfigMapping(prefix = "flashrig")
public interface FlashRigConfig {

    /** Token of the first admin (env FLASHRIG_ADMIN_TOKEN); with it an admin issues every other token. */
    Optional<String> adminToken();

    /**
     * Run the embedded PostgreSQL (env FLASHRIG_EMBEDDED_DATABASE); without it and without a datasource URL the server
     * refuses to start, and with both too. Read by FlashRigServer before Quarkus starts.
     */
    @WithDefault("false")
    boolean embeddedDatabase();

    /** Folder of the embedded PostgreSQL (env FLASHRIG_DATA_DIR); read by FlashRigServer before Quarkus starts. */
    Optional<String> dataDir();

    /**
     * Refused sign-ins are logged at most once per this interval per reason, with how many were held back; each is
     * counted in flashrig.auth.refused all the same.
     */
    @WithDefault("1m")
    Duration refusedSignInLogInterval();

    /** How often an agent sends a request on its event stream, empty if need be; a rig silent for twice this is offline. */
    @WithDefault("15s")
    Duration heartbeatInterval();

    /**
     * How far ahead of the server's clock a rig may stamp a board event and still be believed; a later stamp (a rig
     * clock running fast) counts as the time the server received the event, and its attempt is marked rig clock off.
     */
    @WithDefault("2m")
    Duration maxRigClockAhead();

    /**
     * New MACs (pool assignments and adoptions) one rig may take per rolling hour, so that a leaked rig token cannot
     * drain the pool; an admin may set one rig's own (PUT /api/v1/rigs/{name}/mac-quota).
     */
    @WithDefault("600")
    int rigNewMacsPerHour();

    /** Largest number of board events accepted in one StreamBoardEventsRequest. */
    @WithDefault("100")
    int maxEventsPerRequest();

    /** Page size of list endpoints when the caller gives none. */
    @WithDefault("50")
    int defaultPageSize();

    /** Largest page size a caller may ask for. */
    @WithDefault("500")
    int maxPageSize();

    /**
     * CSV exports of boards one server runs at once, each holding a worker thread and a database connection while it
     * lasts; one more is refused with 429 until one ends, so that exports never starve the rigs of connections.
     */
    @WithDefault("2")
    int maxConcurrentExports();

    /**
     * How long a CSV export may wait for a client that takes nothing (a frozen browser, a stalled proxy) before it is
     * cut off and gives its place, worker thread and database connection back.
     */
    @WithDefault("60s")
    Duration exportStallTimeout();

    /**
     * How long a migration at start-up waits for a table lock before it fails (and the server exits, to be started
     * again): one queued behind a long CSV export would hold every rig's writes to that table behind it meanwhile.
     */
    @WithDefault("5s")
    Duration migrationLockTimeout();
}
