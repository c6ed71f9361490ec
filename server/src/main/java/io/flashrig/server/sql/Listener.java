package io.flashrig.server.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * LISTENs on PostgreSQL channels on a connection and a daemon thread of its own, for as long as the server runs, and
 * reconnects with a growing pause when the link is lost. PostgreSQL notifies at commit, on whichever replica committed,
 * so a listener hears every replica's changes and nothing uncommitted.
 */
public final class Listener {

    /** What a listener does with what it hears, and when it may have missed something. */
    public interface Handler {

        /** Listening (again): what went unheard before may be looked up on {@code connection}. */
        void listening(Connection connection) throws SQLException;

        /** The notifications that arrived during one wait: at least one. */
        void heard(PGNotification[] notifications);

        /** The link is gone (or the server stops): nothing is heard until {@link #listening} again. */
        void lost();
    }

    private static final Logger LOG = Logger.getLogger(Listener.class);

    private static final int NETWORK_TIMEOUT_MILLIS = 10_000;
    private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

    private final String name;
    private final String whenLost;
    private final List<String> channels;
    private final int waitMillis;
    private final boolean proveAlive;
    private final DataSource dataSource;
    private final Handler handler;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param name       the thread's name
     * @param whenLost   what a lost link means, for the log: "The live view lost its database connection"
     * @param waitMillis how long one wait for notifications lasts
     * @param proveAlive whether each wait ends with a round trip that proves the link alive, for a handler that must
     *                   notice within a wait a link that died without a word
     */
    public Listener(String name, String whenLost, List<String> channels, int waitMillis, boolean proveAlive,
            DataSource dataSource, Handler handler) {
        this.name = name;
        this.whenLost = whenLost;
        this.channels = List.copyOf(channels);
        this.waitMillis = waitMillis;
        this.proveAlive = proveAlive;
        this.dataSource = dataSource;
        this.handler = handler;
    }

    public void start() {
        running = true;
        thread = new Thread(this::listen, name);
        thread.setDaemon(true);
        thread.start();
    }

    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void listen() {
        Duration pause = FIRST_PAUSE;
        while (running) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                connection.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
                for (String channel : channels) {
                    statement.execute("LISTEN " + channel);
                }
                PGConnection postgres = connection.unwrap(PGConnection.class);
                pause = FIRST_PAUSE;
                try {
                    // Listening first, then looking: whatever changed meanwhile is either looked up or heard.
                    handler.listening(connection);
                    while (running) {
                        // Blocks on the socket until PostgreSQL sends a notification (or the wait ends): no polling.
                        PGNotification[] notifications = postgres.getNotifications(waitMillis);
                        // A wait that heard nothing gives an empty array: for a cache, that is no change at all.
                        if (notifications != null && notifications.length > 0) {
                            handler.heard(notifications);
                        }
                        if (proveAlive) {
                            statement.execute("SELECT 1");
                        }
                    }
                } finally {
                    handler.lost();
                    // The connection goes back to the pool: its next borrower must not collect notifications unread.
                    statement.execute("UNLISTEN *");
                }
            } catch (SQLException e) {
                handler.lost();
                if (!running) {
                    return;
                }
                LOG.warnf("%s (%s); retrying in %d s", whenLost, e.getMessage(), pause.toSeconds());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
            }
        }
    }
}
