package io.flashrig.server;

import io.flashrig.server.db.EmbeddedDatabase;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Starts the server. Without a configured datasource URL it first starts the embedded PostgreSQL, so that a workshop
 * with one rig (or a newcomer) needs nothing but a JDK.
 */
@QuarkusMain
public final class FlashRigServer {

    private FlashRigServer() {
    }

    public static void main(String... args) {
        if (EmbeddedDatabase.configuredUrl().isPresent()) {
            Quarkus.run(Server.class, args);
            return;
        }
        Path dataDir = Optional.ofNullable(System.getenv("FLASHRIG_DATA_DIR"))
                .or(() -> Optional.ofNullable(System.getProperty("flashrig.data-dir")))
                .map(Path::of)
                .orElse(EmbeddedDatabase.DEFAULT_DATA_DIR);
        try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir)) {
            database.datasourceProperties().forEach(System::setProperty);
            // Logging is not configured yet; the operator must see this before anything else.
            System.err.printf("""
                    ************************************************************************************
                    * FlashRig is using its EMBEDDED PostgreSQL, data in %s
                    * Fine for a demo or a one-rig workshop. For production set QUARKUS_DATASOURCE_JDBC_URL,
                    * QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD to your own PostgreSQL.
                    ************************************************************************************
                    """, database.dataDir());
            Quarkus.run(Server.class, args);
        }
    }

    /** Runs until the process is asked to stop. */
    public static final class Server implements QuarkusApplication {
        @Override
        public int run(String... args) {
            Quarkus.waitForExit();
            return 0;
        }
    }
}
