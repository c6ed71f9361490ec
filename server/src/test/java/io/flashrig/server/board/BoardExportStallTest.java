package io.flashrig.server.board;

import static io.flashrig.server.board.CsvExports.BOARDS;
import static io.flashrig.server.board.CsvExports.OPEN_EXPORTS;
import static io.flashrig.server.board.CsvExports.RIG;
import static io.flashrig.server.board.CsvExports.WAIT;
import static io.flashrig.server.board.CsvExports.exportWhenThereIsRoom;
import static io.flashrig.server.board.CsvExports.lastSeen;
import static io.flashrig.server.board.CsvExports.readAtLeast;
import static io.flashrig.server.board.CsvExports.startExport;
import static io.flashrig.server.board.CsvExports.tailOf;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.server.testing.CapturedLog;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import jakarta.inject.Inject;
import java.net.Socket;
import java.net.URL;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CSV exports whose client takes nothing: cut off after the stall timeout, never ended as a complete-looking file, and
 * their place given back. A server of its own with a short timeout, so that the other export tests' clients, which
 * pause while those tests check things, are never cut off under them.
 */
@QuarkusTest
@TestProfile(BoardExportStallTest.ShortStall.class)
@WithTestResource(PostgresResource.class)
class BoardExportStallTest {

    /** The stall timeout of this class's server. */
    public static final class ShortStall implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("flashrig.export-stall-timeout", "3s");
        }
    }

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
        CsvExports.removeBoards();
    }

    @Test
    void anExportWhoseClientTakesNothingIsCutOffAndGivesItsPlaceBack() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (CapturedLog log = CapturedLog.start()) {
            try (Socket frozen = startExport(server, "rig=" + RIG)) {
                assertThat(readAtLeast(frozen.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
                await("the export's transaction is open while it streams").atMost(WAIT)
                        .until(() -> TestApi.count(OPEN_EXPORTS) == 1);
                // A frozen browser: it reads nothing more and never hangs up.
                await("the export is cut off").atMost(Duration.ofSeconds(60))
                        .until(() -> TestApi.count(OPEN_EXPORTS) == 0);
                // What it reads now, if it ever wakes, ends without the chunked body's last chunk: a failed download.
                String tail = tailOf(frozen.getInputStream());
                assertFalse(tail.endsWith("\r\n0\r\n\r\n"), "the frozen client got a complete body: ..." + tail);
            }
            // Its place is back (given back just after its transaction ended): two exports run side by side again.
            await("the cut-off export gives its place back").atMost(WAIT).until(boards::noExportRunning);
            try (Socket first = startExport(server, "rig=" + RIG); Socket second = startExport(server, "rig=" + RIG)) {
                assertThat(readAtLeast(first.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
                assertThat(readAtLeast(second.getInputStream(), 64 * 1024), startsWith("HTTP/1.1 200"));
            }
            await("the exports end when their clients hang up").atMost(WAIT)
                    .until(() -> TestApi.count(OPEN_EXPORTS) == 0);
            assertCutOffOnceQuietly(log);
        }
    }

    @Test
    void anExportOverHttp2WhoseClientTakesNothingIsResetNotEnded() throws Exception {
        assertEquals(0, TestApi.count(OPEN_EXPORTS));
        try (CapturedLog log = CapturedLog.start()) {
            Vertx vertx = Vertx.vertx();
            try {
                // A browser over TLS, or behind the cluster's h2c ingress: one stream of a connection that stays open.
                HttpClient http = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false).setDefaultHost(server.getHost())
                        .setDefaultPort(server.getPort()));
                HttpClientRequest request = http.request(HttpMethod.GET, "/api/v1/boards?rig=" + RIG)
                        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                request.putHeader("Authorization", "Bearer " + TestApi.ADMIN_TOKEN).putHeader("Accept", "text/csv");
                HttpClientResponse response = request.send().toCompletionStage().toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
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
                await("the export's transaction is open while it streams").atMost(WAIT)
                        .until(() -> TestApi.count(OPEN_EXPORTS) == 1);
                await("the export is cut off").atMost(Duration.ofSeconds(60))
                        .until(() -> TestApi.count(OPEN_EXPORTS) == 0);
                response.resume();
                String how = ending.get(30, TimeUnit.SECONDS);
                assertTrue(how.startsWith("failed: "), how);
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            // Its place is back.
            assertTrue(exportWhenThereIsRoom(server, "rig=" + RIG + "&since=" + lastSeen(BOARDS)).complete());
            assertCutOffOnceQuietly(log);
        }
    }

    /** One line says why the export was cut off, and nothing else is a warning or an error. */
    private static void assertCutOffOnceQuietly(CapturedLog log) {
        List<String> said = log.messages(CsvExport.class);
        assertEquals(1, said.stream().filter(m -> m.contains("Cut off a CSV export") && m.contains("took nothing for"))
                .count(), said.toString());
        assertEquals(List.of(), log.warningsAndErrors(), "a frozen client is no warning or error");
    }
}
