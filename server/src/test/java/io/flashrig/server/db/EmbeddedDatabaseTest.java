package io.flashrig.server.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database keeps its data in its folder: what a workshop recorded is there after a restart. */
class EmbeddedDatabaseTest {

    @TempDir
    Path dataDir;

    @Test
    void dataSurvivesARestartInTheSameFolder() throws Exception {
        try (EmbeddedDatabase first = EmbeddedDatabase.start(dataDir);
                Connection c = DriverManager.getConnection(first.jdbcUrl());
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE board (serial text PRIMARY KEY)");
            s.execute("INSERT INTO board VALUES ('003C00473430511536383630')");
        }
        try (EmbeddedDatabase second = EmbeddedDatabase.start(dataDir);
                Connection c = DriverManager.getConnection(second.jdbcUrl());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT serial FROM board")) {
            rs.next();
            assertEquals("003C00473430511536383630", rs.getString(1));
            assertEquals(dataDir.toAbsolutePath(), second.dataDir());
        }
    }
}
