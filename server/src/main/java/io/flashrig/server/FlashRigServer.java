package io.flashrig.server;

import io.flashrig.server.db.DatabaseChoice;
import io.flashrig.server.db.DatabaseSetupException;
import io.flashrig.server.db.EmbeddedDatabase;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;

/**
 * Starts the server on the database its settings name: the operator's PostgreSQL ({@code QUARKUS_DATASOURCE_JDBC_URL}),
 * or, when asked for with {@code FLASHRIG_EMBEDDED_DATABASE=true}, the embedded one, so that a workshop with one rig
 * (or a newcomer) needs nothing but a JDK. With neither, or both, it refuses to start.
 *
 * <p>Exit status 2: the database settings were refused (the reason is printed as one line on stderr).
 */
@QuarkusMain
public final class FlashRigServer {

    /** Exit status when the database settings are missing, ambiguous or unsafe. */
    public static final int EXIT_DATABASE_REFUSED = 2;

    private FlashRigServer() {
    }

    public static void main(String... args) {
        DatabaseChoice choice = DatabaseChoice.of(Path.of("").toAbsolutePath());
        if (choice instanceof DatabaseChoice.Refused refused) {
            refuse(refused.reason());
            return;
        }
        if (choice instanceof DatabaseChoice.External) {
            Quarkus.run(Server.class, args);
            return;
        }
        Path dataDir = ((DatabaseChoice.Embedded) choice).dataDir();
        EmbeddedDatabase database;
        try {
            database = EmbeddedDatabase.start(dataDir);
        } catch (DatabaseSetupException e) {
            refuse(e.getMessage());
            return;
        }
        try (database) {
            // System properties outrank every other source, and DatabaseChoice made sure none names another database.
            database.datasourceProperties().forEach(System::setProperty);
            // Logging is not configured yet; the operator must see this before anything else.
            System.err.printf("""
                    ************************************************************************************
                    * FlashRig is using its EMBEDDED PostgreSQL (FLASHRIG_EMBEDDED_DATABASE=true),
                    * data in %s, password in %s.
                    * Fine for a demo or a one-rig workshop. For production set QUARKUS_DATASOURCE_JDBC_URL,
                    * QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD to your own PostgreSQL.
                    ************************************************************************************
                    """, database.pgData(), database.passwordFile());
            Quarkus.run(Server.class, args);
        }
    }

    private static void refuse(String reason) {
        System.err.println("flashrig-server: " + reason);
        System.exit(EXIT_DATABASE_REFUSED);
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
