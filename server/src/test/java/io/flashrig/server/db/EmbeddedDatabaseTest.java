package io.flashrig.server.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded database the server starts for people (FlashRigServer calls {@link EmbeddedDatabase#start}): durable,
 * password-only, its binaries in a private folder, and a data folder of FlashRig 0.1 comes up with its data.
 */
class EmbeddedDatabaseTest {

    private static final String SERIAL = "003C00473430511536383630";

    @TempDir
    Path dataDir;

    @Test
    void dataSurvivesARestartInTheSameFolder() throws Exception {
        try (EmbeddedDatabase first = EmbeddedDatabase.start(dataDir); Connection c = connect(first);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE board (serial text PRIMARY KEY)");
            s.execute("INSERT INTO board VALUES ('" + SERIAL + "')");
        }
        try (EmbeddedDatabase second = EmbeddedDatabase.start(dataDir); Connection c = connect(second)) {
            assertEquals(SERIAL, single(c, "SELECT serial FROM board"));
            assertEquals(dataDir.toAbsolutePath(), second.dataDir());
            assertEquals(dataDir.toAbsolutePath().resolve("postgres"), second.pgData());
        }
    }

    @Test
    void theServersDatabaseFlushesEveryCommitAndTakesOnlyPasswordLogins() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir); Connection c = connect(database)) {
            assertFlushesAndLogins(c, "on");
            assertLoginRefused(database, null);
            assertLoginRefused(database, "not-the-password");

            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(database.passwordFile())));
            assertEquals(database.password(), Files.readString(database.passwordFile()).strip());
            Path runtime = dataDir.resolve("runtime");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtime)));
            try (var unpacked = Files.walk(runtime, 4)) {
                assertTrue(unpacked.anyMatch(p -> p.endsWith(Path.of("bin", "postgres")) && Files.isExecutable(p)),
                        "PostgreSQL's binaries are unpacked in " + runtime);
            }
        }
    }

    @Test
    void onlyTheTestSwitchTurnsTheFlushesOff() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.startForTests(dataDir); Connection c = connect(database)) {
            assertFlushesAndLogins(c, "off");
        }
    }

    @Test
    void aBinariesFolderOthersCanEnterIsRefused() throws Exception {
        Files.createDirectories(dataDir.resolve("runtime"));
        Files.setPosixFilePermissions(dataDir.resolve("runtime"), PosixFilePermissions.fromString("rwxr-xr-x"));
        DatabaseSetupException refused = assertThrows(DatabaseSetupException.class, () -> EmbeddedDatabase.start(dataDir));
        assertTrue(refused.getMessage().contains("chmod 700"), refused.getMessage());
    }

    @Test
    void aPasswordFileOthersCanReadIsRefused() throws Exception {
        Files.writeString(dataDir.resolve("postgres.password"), "secret\n");
        Files.setPosixFilePermissions(dataDir.resolve("postgres.password"), PosixFilePermissions.fromString("rw-r--r--"));
        DatabaseSetupException refused = assertThrows(DatabaseSetupException.class, () -> EmbeddedDatabase.start(dataDir));
        assertTrue(refused.getMessage().contains("chmod 600"), refused.getMessage());
    }

    @Test
    void aClusterWithoutItsPasswordFileIsRefusedNotReplaced() throws Exception {
        try (EmbeddedDatabase first = EmbeddedDatabase.start(dataDir)) {
            assertTrue(Files.exists(first.passwordFile()));
        }
        Files.delete(dataDir.resolve("postgres.password"));
        DatabaseSetupException refused = assertThrows(DatabaseSetupException.class, () -> EmbeddedDatabase.start(dataDir));
        assertTrue(refused.getMessage().contains("restore it"), refused.getMessage());
        assertTrue(Files.exists(dataDir.resolve("postgres").resolve("PG_VERSION")), "the cluster is left as it was");
    }

    /** FlashRig 0.1 kept the cluster itself in FLASHRIG_DATA_DIR, made by zonky's defaults: trust logins, no password. */
    @Test
    void aDataFolderOfTheFirstVersionKeepsItsDataAndLosesItsTrustLogins() throws Exception {
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false)
                .start();
                Connection c = DriverManager.getConnection(old.getJdbcUrl("postgres", "postgres"));
                Statement s = c.createStatement()) {
            assertEquals(List.of("trust"), authMethods(c));
            s.execute("CREATE TABLE board (serial text PRIMARY KEY)");
            s.execute("INSERT INTO board VALUES ('" + SERIAL + "')");
        }
        assertTrue(EmbeddedDatabase.allowsTrust(dataDir));

        for (int start = 1; start <= 2; start++) {
            try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir); Connection c = connect(database)) {
                assertEquals(dataDir.toAbsolutePath(), database.pgData(), "the cluster stays where it was");
                assertEquals(SERIAL, single(c, "SELECT serial FROM board"));
                assertFlushesAndLogins(c, "on");
                assertLoginRefused(database, null);
            }
        }
        assertFalse(EmbeddedDatabase.allowsTrust(dataDir));
    }

    private static Connection connect(EmbeddedDatabase database) throws SQLException {
        return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
    }

    /** fsync and synchronous commit both {@code onOff}, and every login rule asks for the password. */
    private static void assertFlushesAndLogins(Connection c, String onOff) throws SQLException {
        assertEquals(onOff, single(c, "SHOW fsync"));
        assertEquals(onOff, single(c, "SHOW synchronous_commit"));
        assertEquals(List.of("scram-sha-256"), authMethods(c));
    }

    private static void assertLoginRefused(EmbeddedDatabase database, String password) {
        SQLException refused = assertThrows(SQLException.class, () -> {
            try (Connection c = password == null
                    ? DriverManager.getConnection(database.jdbcUrl())
                    : DriverManager.getConnection(database.jdbcUrl(), database.user(), password)) {
                single(c, "SELECT 1");
            }
        });
        assertTrue(refused.getMessage().contains("password"), refused.getMessage());
    }

    /** Every authentication method pg_hba.conf allows, once each. */
    private static List<String> authMethods(Connection c) throws SQLException {
        List<String> methods = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT DISTINCT auth_method FROM pg_hba_file_rules ORDER BY 1")) {
            while (rs.next()) {
                methods.add(rs.getString(1));
            }
        }
        return methods;
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), "a row from " + sql);
            return rs.getString(1);
        }
    }
}
