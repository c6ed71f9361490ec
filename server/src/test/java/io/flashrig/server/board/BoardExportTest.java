package io.flashrig.server.board;

import static io.flashrig.server.board.CsvExports.BOARDS;
import static io.flashrig.server.board.CsvExports.EXPORT_SESSIONS;
import static io.flashrig.server.board.CsvExports.OPEN_EXPORTS;
import static io.flashrig.server.board.CsvExports.RIG;
import static io.flashrig.server.board.CsvExports.WAIT;
import static io.flashrig.server.board.CsvExports.csv;
import static io.flashrig.server.board.CsvExports.expectedLine;
import static io.flashrig.server.board.CsvExports.exportWhenThereIsRoom;
import static io.flashrig.server.board.CsvExports.lastSeen;
import static io.flashrig.server.board.CsvExports.readAtLeast;
import static io.flashrig.server.board.CsvExports.readToTheEnd;
import static io.flashrig.server.board.CsvExports.removeBoards;
import static io.flashrig.server.board.CsvExports.serial;
import static io.flashrig.server.board.CsvExports.startExport;
import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.server.board.CsvExports.Download;
import io.flashrig.server.testing.CapturedLog;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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

    @TestHTTPResource("/")
    URL server;

    @Inject
    BoardService boards;

    @BeforeEach
    void aFactorysWorthOfBoards() throws Exception {
        CsvExports.freshBoards(boards);
    }

    @AfterAll
    static void removeTheBoards() throws SQLException {
        removeBoards();
    }

    @Test
    void everyBoardIsExportedNewestFirstInTheSameFormat() {
        String csv = asAdmin().accept("text/csv").get("/api/v1/boards?rig=" + RIG).then().statusCode(200)
                .contentType(containsString("text/csv")).header("Content-Disposition", containsString("boards.csv"))
                .extract().asString();
        List<String> lines = List.of(csv.split("\r\n", -1));
        assertEquals(BOARDS + 2, lines.size(), "a header, a line per board, and the last line's end");
        assertEquals("serial,mac,mac_state,state,rig,first_seen,last_seen,release", lines.get(0));
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
        try (CapturedLog log = CapturedLog.start().withDebug(CsvExport.class)) {
            try (Socket socket = startExport(server, "rig=" + RIG)) {
                String start = readAtLeast(socket.getInputStream(), 64 * 1024);
                assertThat(start, startsWith("HTTP/1.1 200"));
                assertThat(start, containsString(expectedLine(BOARDS)));
                // The client reads no further: the server waits for it, its cursor and transaction open.
                await("the export's transaction is open while it streams").atMost(WAIT)
                        .until(() -> TestApi.count(OPEN_EXPORTS) == 1);
            }
            await("the export's transaction ends when the client hangs up").atMost(WAIT)
                    .until(() -> TestApi.count(OPEN_EXPORTS) == 0);
            // The transaction ends as the export leaves the database; its line is logged just after, on its thread.
            await("the export says why it stopped").atMost(WAIT).until(() -> !log.messages(CsvExport.class).isEmpty());
            assertEquals(List.of(), log.warningsAndErrors(), "a client hanging up is no warning or error");
            // Stopped early, not read to the last board for nobody: writes to a closed connection do not fail.
            List<String> stopped = log.messages(CsvExport.class);
            assertEquals(1, stopped.size(), stopped.toString());
            Matcher rows = Pattern.compile("stopped after (\\d+) boards: the client has gone").matcher(stopped.get(0));
            assertTrue(rows.find(), stopped.get(0));
            assertThat(Long.parseLong(rows.group(1)), lessThan((long) BOARDS));
        }
    }

    @Test
    void exportsBeyondTheServersFewAtOnceAreToldToComeBackAndAreServedOnceOneEnds() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (Socket first = startExport(server, "rig=" + RIG); Socket second = startExport(server, "rig=" + RIG)) {
            // Both read a little, then pause: their exports wait for them, each holding a database connection.
            assertThat(readAtLeast(first.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
            assertThat(readAtLeast(second.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
            await("both exports' transactions are open").atMost(WAIT).until(() -> TestApi.count(OPEN_EXPORTS) == 2);

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
        await("the exports end when their clients hang up").atMost(WAIT).until(() -> TestApi.count(OPEN_EXPORTS) == 0);

        Download download = exportWhenThereIsRoom(server, "rig=" + RIG + "&since=" + lastSeen(BOARDS - 9));
        assertTrue(download.complete(), download.body());
        assertEquals(csv(BOARDS, BOARDS - 9), download.body());
    }

    @Test
    void aHeadRequestForTheCsvTakesNoExportPlace() throws Exception {
        // Quarkus REST writes no body for a HEAD request: were a place taken for it, it would never be given back.
        for (int i = 0; i < 3; i++) {
            asAdmin().accept("text/csv").head("/api/v1/boards?rig=" + RIG).then().statusCode(200)
                    .header("Content-Disposition", containsString("boards.csv"));
        }
        Download download = exportWhenThereIsRoom(server, "rig=" + RIG + "&since=" + lastSeen(BOARDS));
        assertTrue(download.complete(), download.body());
        assertEquals(csv(BOARDS, BOARDS), download.body());
    }

    @Test
    void anExportTheDatabaseFailsMidwayIsCutOffRatherThanEndedAsIfComplete() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (CapturedLog log = CapturedLog.start()) {
            Download download;
            try (Socket socket = startExport(server, "rig=" + RIG)) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                raw.writeBytes(readAtLeast(socket.getInputStream(), 64 * 1024).getBytes(StandardCharsets.UTF_8));
                await("the export's transaction is open while it streams").atMost(WAIT)
                        .until(() -> TestApi.count(OPEN_EXPORTS) == 1);
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
            await("the failed export's transaction is gone").atMost(WAIT).until(() -> TestApi.count(OPEN_EXPORTS) == 0);
            // Logged as the failure leaves the request, which may be just after its transaction has gone.
            await("the failed export is in the log").atMost(WAIT)
                    .until(() -> log.warningsAndErrors().stream()
                            .anyMatch(line -> line.contains("terminating connection due to administrator command")));
        }
        // The failed export gave its place back.
        assertTrue(exportWhenThereIsRoom(server, "rig=" + RIG + "&since=" + lastSeen(BOARDS)).complete());
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
}
