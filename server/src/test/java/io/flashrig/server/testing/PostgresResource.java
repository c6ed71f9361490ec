package io.flashrig.server.testing;

import io.flashrig.server.db.EmbeddedDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real PostgreSQL for {@code @QuarkusTest}s: the server's own embedded database in a fresh folder, with the test-only
 * fast settings (fsync and synchronous commit off).
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    private EmbeddedDatabase database;

    @Override
    public Map<String, String> start() {
        try {
            database = EmbeddedDatabase.startForTests(Files.createTempDirectory("flashrig-test-db"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return database.datasourceProperties();
    }

    @Override
    public void stop() {
        if (database != null) {
            database.close();
        }
    }

    /** The database, for tests that open a second, independent connection pool to it. */
    public EmbeddedDatabase database() {
        return database;
    }
}
