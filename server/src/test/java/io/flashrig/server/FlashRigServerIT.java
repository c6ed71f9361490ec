package io.flashrig.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server ({@code quarkus-run.jar}) as an operator starts it, its database chosen by environment
 * variables: refused without a database setting and with two, and with {@code FLASHRIG_EMBEDDED_DATABASE=true} on an
 * embedded database that flushes every commit and takes only its password.
 */
class FlashRigServerIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
    private static final Pattern DATABASE_LINE =
            Pattern.compile("Database: (jdbc:postgresql://localhost:\\d+/postgres\\S*) as user 'postgres'; (\\d+) MACs");

    @TempDir
    Path workingDir;

    @Test
    void withoutADatabaseSettingTheServerRefusesToStartAndSaysHowToGiveOne() throws Exception {
        Ended ended = runToEnd(Map.of());
        assertEquals(FlashRigServer.EXIT_DATABASE_REFUSED, ended.status(), ended.output());
        assertTrue(ended.output().contains("flashrig-server: No database is configured: set "
                + "QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://"), ended.output());
        assertTrue(ended.output().contains("or FLASHRIG_EMBEDDED_DATABASE=true"), ended.output());
        assertTrue(!Files.exists(workingDir.resolve("flashrig-data")), "no database was made");
    }

    @Test
    void aDatasourceUrlAndTheEmbeddedSwitchTogetherAreRefused() throws Exception {
        Ended ended = runToEnd(Map.of("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://db.example:5432/flashrig",
                "FLASHRIG_EMBEDDED_DATABASE", "true"));
        assertEquals(FlashRigServer.EXIT_DATABASE_REFUSED, ended.status(), ended.output());
        assertTrue(ended.output().contains("Both a datasource URL (jdbc:postgresql://db.example:5432/flashrig, from "
                + "the environment)"), ended.output());
    }

    @Test
    void theEmbeddedSwitchStartsADurablePasswordOnlyDatabaseAndTheServerSaysWhichOne() throws Exception {
        Path dataDir = workingDir.resolve("workshop-data");
        Process server = start(Map.of("FLASHRIG_EMBEDDED_DATABASE", "true", "FLASHRIG_DATA_DIR", dataDir.toString(),
                "QUARKUS_HTTP_PORT", Integer.toString(freePort()),
                // Not the default 9000: another server on this machine (a test, the demo) may hold it.
                "QUARKUS_MANAGEMENT_PORT", Integer.toString(freePort())));
        StringBuilder output = new StringBuilder();
        CompletableFuture<Matcher> databaseLine = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    Matcher m = DATABASE_LINE.matcher(line);
                    if (m.find()) {
                        databaseLine.complete(m);
                    }
                }
            } catch (IOException e) {
                databaseLine.completeExceptionally(e);
            }
            databaseLine.completeExceptionally(new AssertionError("the server ended without naming its database"));
        });
        reader.start();
        try {
            Matcher said = databaseLine.get(3, TimeUnit.MINUTES);
            assertEquals("0", said.group(2), "a new database holds no MACs");
            String password = Files.readString(dataDir.resolve("postgres.password")).strip();
            try (Connection c = DriverManager.getConnection(said.group(1), "postgres", password);
                    Statement s = c.createStatement()) {
                assertEquals("on", single(s, "SHOW fsync"));
                assertEquals("on", single(s, "SHOW synchronous_commit"));
                assertEquals("scram-sha-256", single(s, "SELECT string_agg(DISTINCT auth_method, ',') "
                        + "FROM pg_hba_file_rules"));
                assertEquals(dataDir.resolve("postgres").toString(), single(s, "SHOW data_directory"));
            }
        } catch (Exception | AssertionError e) {
            synchronized (output) {
                throw new AssertionError(e.getMessage() + "\n--- server output ---\n" + output, e);
            }
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            reader.join(10_000);
        }
    }

    private record Ended(int status, String output) {
    }

    private Ended runToEnd(Map<String, String> env) throws Exception {
        Process server = start(env);
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e.getMessage() + ")";
            }
        });
        if (!server.waitFor(2, TimeUnit.MINUTES)) {
            server.destroyForcibly();
            throw new AssertionError("the server neither started nor refused within 2 minutes:\n"
                    + output.getNow("(no output)"));
        }
        return new Ended(server.exitValue(), output.get(30, TimeUnit.SECONDS));
    }

    /** The packaged server in a working folder of its own, with only the FlashRig and datasource settings given. */
    private Process start(Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", JAR.toString()))
                .directory(workingDir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("FLASHRIG_") || name.startsWith("QUARKUS_"));
        builder.environment().putAll(env);
        return builder.start();
    }

    private static String single(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
