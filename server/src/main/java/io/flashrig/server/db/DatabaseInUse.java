package io.flashrig.server.db;

import io.flashrig.server.pool.MacAssignment;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Says at start which database the server uses and how many MACs it already holds, so that a server pointed at the
 * wrong (or a new, empty) database is obvious in its first log lines rather than after a MAC went out twice.
 */
@ApplicationScoped
public class DatabaseInUse {

    private static final Logger LOG = Logger.getLogger(DatabaseInUse.class);

    private final String url;
    private final String user;

    DatabaseInUse(@ConfigProperty(name = DatabaseChoice.URL) String url,
            @ConfigProperty(name = "quarkus.datasource.username", defaultValue = "") String user) {
        this.url = url;
        this.user = user;
    }

    @Transactional
    void report(@Observes StartupEvent startup) {
        long assigned = assignedMacs();
        LOG.infof("Database: %s as user '%s'; %d MAC%s already assigned in it%s", DatabaseChoice.withoutPassword(url),
                user, assigned, assigned == 1 ? "" : "s",
                assigned == 0 ? " (a new, empty pool: if this server has assigned MACs before, it is on the wrong "
                        + "database)" : "");
    }

    /** Rows of {@code mac_assignment}: every MAC ever handed out, fused or quarantined. */
    long assignedMacs() {
        return MacAssignment.count();
    }
}
