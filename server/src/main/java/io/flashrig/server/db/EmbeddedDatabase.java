package io.flashrig.server.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A PostgreSQL server run by the FlashRig server itself, for demos and one-rig workshops, and the tests' database.
 *
 * <p>Production points the server at its own PostgreSQL with {@code QUARKUS_DATASOURCE_JDBC_URL}; then nothing is started.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    /** Where the embedded database keeps its files unless {@code FLASHRIG_DATA_DIR} says otherwise. */
    public static final Path DEFAULT_DATA_DIR = Path.of("flashrig-data");

    private static final String USER = "postgres";
    private static final String DATABASE = "postgres";

    private final EmbeddedPostgres postgres;
    private final Path dataDir;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
    }

    /**
     * Starts PostgreSQL on a free local port with its files in {@code dataDir}, reusing what an earlier run left there.
     */
    public static EmbeddedDatabase start(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir.toAbsolutePath())
                    .setCleanDataDirectory(false)
                    // The library gives up after 10 s; a first start (initdb) on a busy small machine can take longer.
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            return new EmbeddedDatabase(postgres, dataDir.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dataDir.toAbsolutePath(), e);
        }
    }

    /** JDBC URL of the running database. */
    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    /** The Quarkus datasource settings that point the server at this database. */
    public Map<String, String> datasourceProperties() {
        return Map.of(
                "quarkus.datasource.jdbc.url", jdbcUrl(),
                "quarkus.datasource.username", USER,
                "quarkus.datasource.password", "");
    }

    /** The folder holding the database's files. */
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop the embedded PostgreSQL in " + dataDir, e);
        }
    }

    /**
     * The datasource URL the operator configured through the environment or a system property, if any. Production and
     * docker-compose set it; when it is absent the server runs its own database.
     */
    public static Optional<String> configuredUrl() {
        return Optional.ofNullable(System.getProperty("quarkus.datasource.jdbc.url"))
                .or(() -> Optional.ofNullable(System.getenv("QUARKUS_DATASOURCE_JDBC_URL")))
                .filter(url -> !url.isBlank());
    }
}
