package io.flashrig.e2e;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL (zonky's embedded binaries) on a fixed port and data folder, so that a scenario can stop it and
 * start it again under the server's feet and the server finds it where it was.
 */
public final class Database implements AutoCloseable {

    private static final String USER = "postgres";

    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres postgres;

    private Database(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    /** Starts a fresh PostgreSQL with its files in {@code dataDir}. */
    public static Database start(Path dataDir) {
        Database db = new Database(dataDir.toAbsolutePath(), Workspace.freePort());
        db.startAgain();
        return db;
    }

    /** Starts it (again) on the same port and files. */
    public synchronized void startAgain() {
        if (postgres != null) {
            throw new IllegalStateException("PostgreSQL already runs on port " + port);
        }
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            // Extra server settings for profiling, e.g. -Dflashrig.database.settings=shared_preload_libraries=pg_stat_statements
            for (String setting : System.getProperty("flashrig.database.settings", "").split(";")) {
                int eq = setting.indexOf('=');
                if (eq > 0) {
                    builder.setServerConfig(setting.substring(0, eq).strip(), setting.substring(eq + 1).strip());
                }
            }
            postgres = builder.setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port)
                    .setServerConfig("max_connections", "300").setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling("postgres.log").toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling("postgres.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start in " + dataDir + " on port " + port, e);
        }
    }

    /** Stops it (a fast shutdown: open connections are cut, as when the database host goes away). */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not stop", e);
        } finally {
            postgres = null;
        }
    }

    /** JDBC URL of the database the server uses. */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    /** The database user (no password). */
    public String user() {
        return USER;
    }

    /** A new connection. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, "");
    }

    /** The single number {@code sql} selects, e.g. a count. */
    public long number(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException("no row from: " + sql);
            }
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
