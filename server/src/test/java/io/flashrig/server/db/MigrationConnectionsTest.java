package io.flashrig.server.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.server.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Flyway's connections to the server's database: the application's call bounds, but for a short lock wait, are off. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class MigrationConnectionsTest {

    @Inject
    Flyway flyway;

    @Inject
    DataSource pool;

    @Test
    void migrationsRunUnboundedButWaitForALockOnlyBriefly() throws SQLException {
        DataSource migrations = flyway.getConfiguration().getDataSource();
        assertEquals(List.of("0", "5s"), limits(migrations), "statement and lock timeout of a migration");
        assertEquals(0, migrations.unwrap(PGSimpleDataSource.class).getSocketTimeout(), "a long migration is not given up");
        assertEquals(List.of("1min", "20s"), limits(pool), "the application's calls keep their bounds");
        try (Connection c = migrations.getConnection(); Statement s = c.createStatement();
                ResultSet migrated = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
            assertTrue(migrated.next() && migrated.getLong(1) > 0, "the database the migrations ran on");
        }
    }

    private static List<String> limits(DataSource source) throws SQLException {
        try (Connection c = source.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")) {
            r.next();
            return List.of(r.getString(1), r.getString(2));
        }
    }
}
