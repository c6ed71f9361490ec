package io.flashrig.server.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's choice of database reads every place Quarkus reads settings from, in a working folder of its own. The
 * environment is covered by {@code FlashRigServerIT}, which starts the packaged server as a process.
 */
class DatabaseChoiceTest {

    private static final String URL = "jdbc:postgresql://db.example:5432/flashrig";

    @TempDir
    Path workingDir;

    @Test
    void withNothingConfiguredTheServerRefusesAndNamesBothWaysOut() {
        DatabaseChoice.Refused refused = assertInstanceOf(DatabaseChoice.Refused.class, DatabaseChoice.of(workingDir));
        assertTrue(refused.reason().contains("QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://"), refused.reason());
        assertTrue(refused.reason().contains("FLASHRIG_EMBEDDED_DATABASE=true"), refused.reason());
    }

    @Test
    void dotEnvInTheWorkingFolderAsksForTheEmbeddedDatabase() throws Exception {
        Files.writeString(workingDir.resolve(".env"), "FLASHRIG_EMBEDDED_DATABASE=true\nFLASHRIG_DATA_DIR=/srv/workshop\n");
        assertEquals(new DatabaseChoice.Embedded(Path.of("/srv/workshop")), DatabaseChoice.of(workingDir));
    }

    @Test
    void configApplicationPropertiesInTheWorkingFolderNamesTheDatabase() throws Exception {
        properties("quarkus.datasource.jdbc.url=" + URL + "\n");
        assertEquals(new DatabaseChoice.External(URL), DatabaseChoice.of(workingDir));
    }

    @Test
    void theProductionProfileIsTheOneRead() throws Exception {
        properties("%prod.flashrig.embedded-database=true\n%dev.quarkus.datasource.jdbc.url=" + URL + "\n");
        assertEquals(new DatabaseChoice.Embedded(EmbeddedDatabase.DEFAULT_DATA_DIR), DatabaseChoice.of(workingDir));
    }

    @Test
    void aSystemPropertyAsksForTheEmbeddedDatabase() {
        System.setProperty("flashrig.embedded-database", "true");
        try {
            assertEquals(new DatabaseChoice.Embedded(EmbeddedDatabase.DEFAULT_DATA_DIR), DatabaseChoice.of(workingDir));
        } finally {
            System.clearProperty("flashrig.embedded-database");
        }
    }

    @Test
    void aFileNamedByQuarkusConfigLocationsCounts() throws Exception {
        Path file = Files.writeString(workingDir.resolve("server.properties"), "quarkus.datasource.jdbc.url=" + URL + "\n");
        System.setProperty("quarkus.config.locations", file.toUri().toString());
        try {
            assertEquals(new DatabaseChoice.External(URL), DatabaseChoice.of(workingDir));
        } finally {
            System.clearProperty("quarkus.config.locations");
        }
    }

    @Test
    void thePackagedApplicationPropertiesAreRead() {
        assertEquals("postgresql", DatabaseChoice.startupConfig(workingDir).getValue("quarkus.datasource.db-kind",
                String.class));
    }

    @Test
    void aUrlAndTheSwitchTogetherAreRefusedNamingWhereEachCameFrom() throws Exception {
        Files.writeString(workingDir.resolve(".env"), "QUARKUS_DATASOURCE_JDBC_URL=" + URL + "?password=hunter2\n");
        properties("flashrig.embedded-database=true\n");
        DatabaseChoice.Refused refused = assertInstanceOf(DatabaseChoice.Refused.class, DatabaseChoice.of(workingDir));
        assertTrue(refused.reason().contains(".env"), refused.reason());
        assertTrue(refused.reason().contains("config/application.properties"), refused.reason());
        assertTrue(refused.reason().contains("password=***"), refused.reason());
        assertTrue(!refused.reason().contains("hunter2"), refused.reason());
    }

    @Test
    void theSwitchSetToFalseIsNoSwitch() throws Exception {
        properties("flashrig.embedded-database=false\n");
        assertInstanceOf(DatabaseChoice.Refused.class, DatabaseChoice.of(workingDir));
    }

    private void properties(String content) throws Exception {
        Files.createDirectories(workingDir.resolve("config"));
        Files.writeString(workingDir.resolve("config").resolve("application.properties"), content);
    }
}
