package io.flashrig.server.board;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.MacAddress;
import io.flashrig.server.testing.CapturedLog;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CSV export of a factory's worth of boards: every row, streamed from a database cursor, ended by the client. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class BoardExportTest {

    private static final String RIG = "rig-csv-export";
    private static final int BOARDS = 100_000;
    /** Every even board has a MAC; none of these addresses is in any test's range. */
    private static final long FIRST_MAC = 0x0E_C5_00_00_00_00L;
    private static final Instant FIRST_SEEN = Instant.parse("2026-12-01T00:00:00Z");
    /** The database sessions of exports in progress. */
    private static final String EXPORT_SESSIONS = " FROM pg_stat_activity WHERE xact_start IS NOT NULL"
            + " AND pid <> pg_backend_pid() AND query ILIKE '%from board%'";
    private static final String OPEN_EXPORTS = "SELECT count(*)" + EXPORT_SESSIONS;

    @TestHTTPResource("/")
    URL server;

    @Inject
    BoardService boards;

    @BeforeEach
    void aFactorysWorthOfBoards() throws SQLException {
        if (TestApi.count("SELECT count(*) FROM rig WHERE name = ?", RIG) > 0) {
            return;
        }
        // Straight into the tables: a hundred thousand boards through the rig service would take minutes.
        try (Connection c = TestApi.directDataSource().getConnection()) {
            execute(c, "INSERT INTO rig (name, token_hash, created_at) VALUES (?, 'not-a-token-' || ?, now())",
                    RIG, RIG);
            execute(c, """
                    INSERT INTO board (serial, state, first_seen, last_seen, last_rig_id, last_attempt_id)
                    SELECT 'CE5E' || upper(lpad(to_hex(i), 20, '0')), CASE WHEN i % 3 = 0 THEN 'FAILED' ELSE 'DONE' END,
                           ?::timestamptz + i * interval '1 second', ?::timestamptz + (i + 60) * interval '1 second',
                           (SELECT id FROM rig WHERE name = ?), gen_random_uuid()
                    FROM generate_series(1, ?) AS i""", FIRST_SEEN.toString(), FIRST_SEEN.toString(), RIG, BOARDS);
            execute(c, """
                    INSERT INTO mac_assignment (mac, board_serial, state, origin, rig_id, assigned_at)
                    SELECT ? + i, 'CE5E' || upper(lpad(to_hex(i), 20, '0')), 'FUSED', 'EXTERNAL',
                           (SELECT id FROM rig WHERE name = ?), now()
                    FROM generate_series(2, ?, 2) AS i""", FIRST_MAC, RIG, BOARDS);
        }
    }

    @AfterAll
    static void removeTheBoards() throws SQLException {
        // Other tests share this database and count what is in it.
        try (Connection c = TestApi.directDataSource().getConnection()) {
            execute(c, "DELETE FROM mac_assignment WHERE rig_id = (SELECT id FROM rig WHERE name = ?)", RIG);
            execute(c, "DELETE FROM board WHERE last_rig_id = (SELECT id FROM rig WHERE name = ?)", RIG);
        }
    }

    @Test
    void everyBoardIsExportedNewestFirstInTheSameFormat() {
        String csv = asAdmin().accept("text/csv").get("/api/v1/boards?rig=" + RIG).then().statusCode(200)
                .contentType(containsString("text/csv")).header("Content-Disposition", containsString("boards.csv"))
                .extract().asString();
        List<String> lines = List.of(csv.split("\r\n", -1));
        assertEquals(BOARDS + 2, lines.size(), "a header, a line per board, and the last line's end");
        assertEquals("serial,mac,mac_state,state,rig,first_seen,last_seen", lines.get(0));
        assertEquals("", lines.get(lines.size() - 1));
        for (int row = 1; row <= BOARDS; row++) {
            int board = BOARDS + 1 - row;
            assertEquals(expectedLine(board), lines.get(row), "line " + row);
        }

        // The filters still apply.
        List<String> failed = List.of(asAdmin().accept("text/csv").get("/api/v1/boards?rig=" + RIG + "&state=failed")
                .then().statusCode(200).extract().asString().split("\r\n"));
        assertEquals(BOARDS / 3 + 1, failed.size());
        assertTrue(failed.stream().skip(1).allMatch(line -> line.contains(",FAILED," + RIG + ",")), failed.get(1));
    }

    @Test
    void theExportHoldsOneFetchOfRowsAtATimeWhateverTheNumberOfBoards() throws Exception {
        AtomicLong rows = new AtomicLong();
        AtomicLong heldHalfway = new AtomicLong(-1);
        boards.export(BoardService.filter(null, RIG, null), board -> {
            if (rows.incrementAndGet() == BOARDS / 2) {
                heldHalfway.set(liveInstances("org.postgresql.core.Tuple"));
            }
        });
        assertEquals(BOARDS, rows.get());
        // The driver keeps each row it has received as a Tuple until the result set moves past it or closes: without
        // a cursor all hundred thousand would be held here; with one, about one fetch's worth.
        assertThat(heldHalfway.get(), lessThan(2L * BoardService.EXPORT_FETCH_SIZE));
    }

    @Test
    void aClientThatHangsUpEndsTheExportAndReleasesItsTransactionQuietly() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (CapturedLog log = CapturedLog.start().withDebug(BoardResource.class)) {
            try (Socket socket = startExport("rig=" + RIG)) {
                String start = readAtLeast(socket.getInputStream(), 64 * 1024);
                assertThat(start, startsWith("HTTP/1.1 200"));
                assertThat(start, containsString(expectedLine(BOARDS)));
                // The client reads no further: the server waits for it, its cursor and transaction open.
                awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 1, "the export's transaction is open while it streams");
            }
            awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 0, "the export's transaction ends when the client hangs up");
            assertEquals(List.of(), log.warningsAndErrors(), "a client hanging up is no warning or error");
            // Stopped early, not read to the last board for nobody: writes to a closed connection do not fail.
            List<String> stopped = log.messages(BoardResource.class);
            assertEquals(1, stopped.size(), stopped.toString());
            Matcher rows = Pattern.compile("stopped after (\\d+) boards: the client has gone").matcher(stopped.get(0));
            assertTrue(rows.find(), stopped.get(0));
            assertThat(Long.parseLong(rows.group(1)), lessThan((long) BOARDS));
        }
    }

    @Test
    void exportsBeyondTheServersFewAtOnceAreToldToComeBackAndAreServedOnceOneEnds() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (Socket first = startExport("rig=" + RIG); Socket second = startExport("rig=" + RIG)) {
            // Both read a little, then pause: their exports wait for them, each holding a database connection.
            assertThat(readAtLeast(first.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
            assertThat(readAtLeast(second.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
            awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 2, "both exports' transactions are open");

            asAdmin().accept("text/csv").get("/api/v1/boards?rig=" + RIG).then().statusCode(429)
                    .contentType(containsString("application/problem+json"))
                    .header("Retry-After", matchesPattern("[1-9][0-9]*"))
                    // Not to be saved as the CSV it was asked for.
                    .header("Content-Disposition", nullValue())
                    .body("status", equalTo(429))
                    .body("detail", containsString("already running 2 CSV exports"))
                    .body("detail", containsString("try again in"));
            assertEquals(2, TestApi.count(OPEN_EXPORTS), "the refused export opened no transaction");
            // Only exports wait their turn: the paged list, like everything else, is served meanwhile.
            asAdmin().get("/api/v1/boards?rig=" + RIG + "&size=1").then().statusCode(200)
                    .body("items[0].serial", equalTo(serial(BOARDS)));
        }
        awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 0, "the exports end when their clients hang up");

        Download download = exportWhenThereIsRoom("rig=" + RIG + "&since=" + lastSeen(BOARDS - 9));
        assertTrue(download.complete(), download.body());
        assertEquals(csv(BOARDS, BOARDS - 9), download.body());
    }

    @Test
    void anExportWhoseClientTakesNothingIsCutOffAndGivesItsPlaceBack() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (CapturedLog log = CapturedLog.start(); Socket frozen = startExport("rig=" + RIG)) {
            assertThat(readAtLeast(frozen.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
            awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 1, "the export's transaction is open while it streams");
            // A frozen browser: it reads nothing more and never hangs up. Beyond the stall timeout (15 s in tests)
            // the server stops waiting for it.
            awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 0, "the export is cut off", Duration.ofSeconds(90));
            List<String> cut = log.messages(BoardResource.class);
            assertTrue(cut.stream().anyMatch(m -> m.contains("Cut off a CSV export") && m.contains("took nothing for")),
                    cut.toString());
            assertEquals(List.of(), log.warningsAndErrors(), "a frozen client is no warning or error");
            // Its connection was reset: what it reads now ends without the chunked body's end, not as a whole file.
            String tail = tailOf(frozen.getInputStream());
            assertFalse(tail.endsWith("\r\n0\r\n\r\n"), "the frozen client got a complete body: ..." + tail);
        }
        // Its place is back: two exports run side by side again.
        try (Socket first = startExport("rig=" + RIG); Socket second = startExport("rig=" + RIG)) {
            assertThat(readAtLeast(first.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
            assertThat(readAtLeast(second.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
        }
        awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 0, "the exports end when their clients hang up");
    }

    @Test
    void anExportOverHttp2WhoseClientTakesNothingIsResetNotEnded() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        Vertx vertx = Vertx.vertx();
        try {
            // A browser over TLS, or behind the cluster's h2c ingress: one stream of a connection that stays open.
            HttpClient http = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false).setDefaultHost(server.getHost()).setDefaultPort(server.getPort()));
            HttpClientRequest request = http.request(HttpMethod.GET, "/api/v1/boards?rig=" + RIG).toCompletionStage()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            request.putHeader("Authorization", "Bearer " + TestApi.ADMIN_TOKEN).putHeader("Accept", "text/csv");
            HttpClientResponse response = request.send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            CompletableFuture<String> ending = new CompletableFuture<>();
            AtomicLong received = new AtomicLong();
            response.exceptionHandler(e -> ending.complete("failed: " + e));
            response.endHandler(v -> ending.complete("ended after " + received.get() + " bytes"));
            response.handler(chunk -> {
                if (received.addAndGet(chunk.length()) > 64 * 1024) {
                    // Frozen: the stream's flow-control window fills, and the server has to wait.
                    response.pause();
                }
            });
            awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 1, "the export's transaction is open while it streams");
            awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 0, "the export is cut off", Duration.ofSeconds(90));
            response.resume();
            String how = ending.get(30, TimeUnit.SECONDS);
            assertTrue(how.startsWith("failed: "), how);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        // Its place is back.
        assertTrue(exportWhenThereIsRoom("rig=" + RIG + "&since=" + lastSeen(BOARDS)).complete());
    }

    /** The last bytes of what is left to read, up to the end of the stream or the connection's reset. */
    private static String tailOf(InputStream in) {
        byte[] buffer = new byte[64 * 1024];
        StringBuilder tail = new StringBuilder();
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                tail.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                tail.delete(0, Math.max(0, tail.length() - 200));
            }
        } catch (java.io.IOException reset) {
            tail.append(" <").append(reset.getMessage()).append('>');
        }
        return tail.toString();
    }

    @Test
    void aHeadRequestForTheCsvTakesNoExportPlace() throws Exception {
        // Quarkus REST writes no body for a HEAD request: were a place taken for it, it would never be given back.
        for (int i = 0; i < 3; i++) {
            asAdmin().accept("text/csv").head("/api/v1/boards?rig=" + RIG).then().statusCode(200)
                    .header("Content-Disposition", containsString("boards.csv"));
        }
        Download download = exportWhenThereIsRoom("rig=" + RIG + "&since=" + lastSeen(BOARDS));
        assertTrue(download.complete(), download.body());
        assertEquals(csv(BOARDS, BOARDS), download.body());
    }

    @Test
    void anExportTheDatabaseFailsMidwayIsCutOffRatherThanEndedAsIfComplete() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (CapturedLog log = CapturedLog.start()) {
            Download download;
            try (Socket socket = startExport("rig=" + RIG)) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                raw.writeBytes(readAtLeast(socket.getInputStream(), 64 * 1024).getBytes(StandardCharsets.UTF_8));
                awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 1, "the export's transaction is open while it streams");
                // The export's database session ends under it, as in a failover or when an operator ends it.
                assertEquals(1, TestApi.count("SELECT count(pg_terminate_backend(pid))" + EXPORT_SESSIONS));
                raw.writeBytes(readToTheEnd(socket.getInputStream()));
                download = Download.of(raw.toByteArray());
            }
            assertThat(download.status(), startsWith("HTTP/1.1 200"));
            assertFalse(download.complete(), "the chunked body must not end with its last, empty chunk");
            List<String> lines = List.of(download.body().split("\r\n", -1));
            assertThat(lines.size(), lessThan(BOARDS));
            // What arrived is true, as far as it goes.
            assertEquals(csv(BOARDS, BOARDS - lines.size() + 3), String.join("\r\n", lines.subList(0,
                    lines.size() - 1)) + "\r\n");
            awaitTrue(() -> TestApi.count(OPEN_EXPORTS) == 0, "the failed export's transaction is gone");
            assertThat("an export the database failed is in the log", log.warningsAndErrors(),
                    hasItem(containsString("terminating connection due to administrator command")));
        }
        // The failed export gave its place back.
        assertTrue(exportWhenThereIsRoom("rig=" + RIG + "&since=" + lastSeen(BOARDS)).complete());
    }

    private static String expectedLine(int board) {
        String mac = board % 2 == 0 ? new MacAddress(FIRST_MAC + board) + ",FUSED" : ",";
        String state = board % 3 == 0 ? "FAILED" : "DONE";
        return String.join(",", serial(board), mac, state, RIG, FIRST_SEEN.plusSeconds(board).toString(),
                lastSeen(board).toString());
    }

    /**
     * How many objects of the class the JVM holds, from a class histogram of live objects (it collects garbage first):
     * the server under test shares this JVM.
     */
    private static long liveInstances(String className) {
        try {
            String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return histogram.lines().map(line -> line.trim().split("\\s+"))
                    .filter(columns -> columns.length >= 4 && columns[3].equals(className))
                    .mapToLong(columns -> Long.parseLong(columns[1])).sum();
        } catch (Exception e) {
            throw new IllegalStateException("No class histogram from this JVM", e);
        }
    }

    private static String serial(int board) {
        return "CE5E" + String.format("%020X", board);
    }

    private static Instant lastSeen(int board) {
        return FIRST_SEEN.plusSeconds(board + 60);
    }

    /** The CSV of boards {@code newest} down to {@code oldest}, header first. */
    private static String csv(int newest, int oldest) {
        StringBuilder csv = new StringBuilder("serial,mac,mac_state,state,rig,first_seen,last_seen\r\n");
        for (int board = newest; board >= oldest; board--) {
            csv.append(expectedLine(board)).append("\r\n");
        }
        return csv.toString();
    }

    /**
     * Sends a CSV export request on a plain socket, which reads only when the test does: a small receive window, so
     * that the server soon has to wait for this client.
     */
    private Socket startExport(String query) throws java.io.IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(16 * 1024);
        socket.connect(new InetSocketAddress(server.getHost(), server.getPort()));
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/v1/boards?" + query + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + TestApi.ADMIN_TOKEN + "\r\nAccept: text/csv\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    /** An export read to its end; waits while the server runs as many exports as it runs at once. */
    private Download exportWhenThereIsRoom(String query) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket socket = startExport(query)) {
                Download download = Download.of(readToTheEnd(socket.getInputStream()));
                if (!download.status().startsWith("HTTP/1.1 429") || System.nanoTime() > deadline) {
                    assertThat(download.status(), startsWith("HTTP/1.1 200"));
                    return download;
                }
            }
            Thread.sleep(50);
        }
    }

    /** Everything until the server closes the connection, whether it ends it or resets it. */
    private static byte[] readToTheEnd(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                read.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // A reset connection: what came before it is all there is.
        }
        return read.toByteArray();
    }

    /**
     * A chunked HTTP/1.1 response as it came over the wire: complete only if its body ended with the last, empty
     * chunk, which is how a client tells a whole download from one cut off.
     */
    private record Download(String status, String body, boolean complete) {

        static Download of(byte[] raw) {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                return new Download(text, "", false);
            }
            String status = text.substring(0, text.indexOf("\r\n"));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int at = headEnd + 4;
            while (true) {
                int sizeEnd = text.indexOf("\r\n", at);
                if (sizeEnd < 0) {
                    return new Download(status, body.toString(StandardCharsets.UTF_8), false);
                }
                int size = Integer.parseInt(text.substring(at, sizeEnd).trim(), 16);
                if (size == 0) {
                    return new Download(status, body.toString(StandardCharsets.UTF_8), true);
                }
                int end = Math.min(sizeEnd + 2 + size, raw.length);
                body.write(raw, sizeEnd + 2, end - sizeEnd - 2);
                if (end < sizeEnd + 2 + size) {
                    return new Download(status, body.toString(StandardCharsets.UTF_8), false);
                }
                at = end + 2;
            }
        }
    }

    private static String readAtLeast(InputStream in, int bytes) throws java.io.IOException {
        byte[] buffer = new byte[bytes];
        int read = 0;
        while (read < bytes) {
            int n = in.read(buffer, read, bytes - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return new String(buffer, 0, read, StandardCharsets.UTF_8);
    }

    /** Waits for something another thread or process does; only the failure message mentions time. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        awaitTrue(condition, what, Duration.ofSeconds(30));
    }

    private static void awaitTrue(BooleanSupplier condition, String what, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static void execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }
}
