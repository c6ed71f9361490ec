package io.flashrig.server.dashboard;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.server.testing.CapturedLog;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URL;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** The live view's API: pushed updates after commit, the snapshot, the quality figures, and who may read them. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class LiveViewTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL server;

    @Test
    void aCommittedBoardEventIsPushedToEveryLiveSubscriber() throws Exception {
        try (LiveSubscriber browser = LiveSubscriber.overHttp1(server);
                LiveSubscriber proxied = LiveSubscriber.overHttp2(server);
                ReportingRig rig = new ReportingRig(server, "rig-live-push")) {
            String attempt = rig.flashing("003C00473430511536380001", "1-1.2", 42);
            for (LiveSubscriber subscriber : List.of(browser, proxied)) {
                JsonNode update = subscriber.next("board", "003C00473430511536380001", "FLASHING");
                assertEquals("rig-live-push", update.path("board").path("rig").asText());
                assertEquals(42, update.path("board").path("percent").asInt());
                assertEquals("bootfs", update.path("board").path("partition").asText());
                assertEquals(attempt, update.path("board").path("attemptId").asText());
            }

            rig.failed("003C00473430511536380001", attempt, "1-1.2", "Error: Start operation failed at partition 0x01");
            JsonNode failed = browser.next("board", "003C00473430511536380001", "FAILED");
            assertEquals("PROGRAMMER_ERROR", failed.path("board").path("failureCode").asText());
        }
    }

    @Test
    void aBurstOfEventsAboutOneBoardIsPushedAsOneUpdateInItsLatestState() throws Exception {
        try (LiveSubscriber dashboard = LiveSubscriber.overHttp1(server);
                ReportingRig rig = new ReportingRig(server, "rig-live-burst")) {
            String serial = board(30);
            String attempt = rig.flashing(serial, "1-1.5", 1);
            // An agent delivering its backlog after an outage: 100 progress reports committed together.
            rig.progress(serial, attempt, "1-1.5", 100);
            String after = board(31);
            rig.flashing(after, "1-1.6", 7);
            List<JsonNode> aboutTheBoard = dashboard.through("board", after, "FLASHING").stream()
                    .filter(update -> serial.equals(update.path("board").path("serial").asText())).toList();
            // One per burst as it reaches the live feed (a burst may arrive in two parts), not one per event (102).
            assertTrue(aboutTheBoard.size() >= 1 && aboutTheBoard.size() <= 4, aboutTheBoard.size() + " updates");
            assertEquals(99, aboutTheBoard.get(aboutTheBoard.size() - 1).path("board").path("percent").asInt());
        }
    }

    /**
     * The events one request stores reach every replica's live feed as one notification naming them all (V31), not
     * one notification each: at fan-in every notification is work at commit for the database and for each replica.
     */
    @Test
    void theEventsOfOneRequestAreOneNotification() throws Exception {
        try (Connection listening = TestApi.directDataSource().getConnection();
                Statement statement = listening.createStatement()) {
            statement.execute("LISTEN " + LiveFeed.BOARD_CHANNEL);
            try (ReportingRig rig = new ReportingRig(server, "rig-live-one-notification")) {
                String serial = board(50);
                String attempt = rig.flashing(serial, "1-1.8", 1);
                rig.progress(serial, attempt, "1-1.8", 100);
            }
            PGConnection postgres = listening.unwrap(PGConnection.class);
            List<String> heard = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                PGNotification[] notifications = postgres.getNotifications(100);
                for (PGNotification n : notifications == null ? new PGNotification[0] : notifications) {
                    heard.add(n.getParameter());
                }
                return heard.stream().anyMatch(ids -> ids.split(",").length == 100);
            });
            heard.forEach(ids -> Arrays.stream(ids.split(",")).forEach(UUID::fromString));
        }
    }

    @Test
    void dashboardsConnectingWhileUpdatesFlowEachGetThem() throws Exception {
        try (ReportingRig rig = new ReportingRig(server, "rig-live-connecting")) {
            String serial = board(40);
            String attempt = rig.flashing(serial, "1-1.7", 0);
            // Updates flow without pause, so that one is ready for a dashboard the moment it subscribes: the first
            // write of its stream then races with the start of the response, as on a busy factory floor.
            AtomicBoolean flowing = new AtomicBoolean(true);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread reporting = new Thread(() -> {
                try {
                    while (flowing.get()) {
                        rig.progress(serial, attempt, "1-1.7", 1);
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            }, "reporting-rig");
            reporting.start();
            try {
                for (int dashboard = 0; dashboard < 50; dashboard++) {
                    try (LiveSubscriber subscriber = LiveSubscriber.overHttp1(server)) {
                        subscriber.next("board", serial, "FLASHING");
                    }
                }
            } finally {
                flowing.set(false);
                reporting.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertEquals(null, failed.get());
        }
    }

    @Test
    void aMacAlertIsPushedAndStaysInTheSnapshot() throws Exception {
        TestApi.freshRange(4);
        try (LiveSubscriber dashboard = LiveSubscriber.overHttp1(server);
                ReportingRig rig = new ReportingRig(server, "rig-live-alert")) {
            String owner = board(20);
            String intruder = board(21);
            String mac = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(owner).build()).getMac();
            assertThrows(StatusRuntimeException.class, () -> rig.rpc().reportOtpMac(
                    ReportOtpMacRequest.newBuilder().setSerial(intruder).setMac(mac).build()));

            JsonNode alert = dashboard.nextAlert(intruder).path("alert");
            assertEquals("MAC_CONFLICT", alert.path("kind").asText());
            assertEquals(mac, alert.path("mac").asText());
            assertEquals("rig-live-alert", alert.path("rig").asText());
            assertTrue(alert.path("message").asText().contains(owner), alert.toString());

            JsonNode snapshot = JSON.readTree(asAdmin().get("/api/v1/live/snapshot").then().statusCode(200)
                    .extract().asString());
            assertEquals(alert, snapshot.path("alerts").get(0), "the newest alert heads the snapshot's list");
        }
    }

    @ParameterizedTest(name = "stops reading first: {0}")
    @ValueSource(booleans = {false, true})
    void aDashboardThatGoesAwayIsNoWarningOrErrorInTheLog(boolean stopsReadingFirst) throws Exception {
        int first = stopsReadingFirst ? 10 : 5;
        String serial = board(first);
        try (CapturedLog log = CapturedLog.start().withDebug(DashboardStream.class);
                LiveSubscriber staying = LiveSubscriber.overHttp1(server);
                LiveSubscriber tab = LiveSubscriber.overHttp1(server);
                LiveSubscriber proxiedTab = LiveSubscriber.overHttp2(server);
                ReportingRig rig = new ReportingRig(server, "rig-live-leaving-" + first)) {
            String attempt = rig.flashing(serial, "1-1.3", 1);
            for (LiveSubscriber subscriber : List.of(staying, tab, proxiedTab)) {
                subscriber.next("board", serial, "FLASHING");
            }
            if (stopsReadingFirst) {
                // A frozen tab or a stalled proxy, then closed. More updates than their windows hold: the server's
                // last write to each is still waiting for them when they go. One update per board, however many
                // events each has, so many boards.
                tab.stopReading();
                proxiedTab.stopReading();
                for (int batch = 0; batch < 10; batch++) {
                    int from = 1000 * first + 50 * batch;
                    rig.flashingAll(IntStream.range(from, from + 50).mapToObj(n -> String.format("003C004734305115363%05d", n))
                            .toList(), "1-1.9");
                }
            }
            rig.failed(serial, attempt, "1-1.3", "Error: Target device not found.");
            staying.next("board", serial, "FAILED");
            tab.leave();
            proxiedTab.leave();
            // Updates keep coming after they left, so that the server tries to send them to the ones that left.
            for (String later : List.of(board(first + 1), board(first + 2))) {
                rig.flashing(later, "1-1.4", 5);
                staying.next("board", later, "FLASHING");
            }
            assertStreamsEnded(log, tab, proxiedTab);
            assertEquals(List.of(), log.warningsAndErrors());
        }
    }

    private static String board(int number) {
        return String.format("003C0047343051153638%04d", number);
    }

    /** Each of these dashboards' streams ends, once, with no more than a debug line. */
    private static void assertStreamsEnded(CapturedLog log, LiveSubscriber... left) throws InterruptedException {
        // The server learns that a dashboard left when a write to it fails, on that connection's own event loop: it
        // may say so after the dashboard that stayed already has the same update.
        await("every dashboard that left is seen to have gone").atMost(Duration.ofSeconds(30))
                .until(() -> Arrays.stream(left).allMatch(s -> goneMessages(log, s) > 0));
        for (LiveSubscriber subscriber : left) {
            assertEquals(1, goneMessages(log, subscriber), subscriber.address() + " in "
                    + log.messages(DashboardStream.class));
        }
    }

    private static long goneMessages(CapturedLog log, LiveSubscriber subscriber) {
        return log.messages(DashboardStream.class).stream()
                .filter(m -> m.startsWith("The dashboard at " + subscriber.address() + " has gone")).count();
    }

    @Test
    void theSnapshotShowsEachSlotsNewestBoardWithItsProgress() throws Exception {
        try (ReportingRig rig = new ReportingRig(server, "rig-live-snapshot")) {
            String old = rig.flashing("003C00473430511536380002", "1-1.5", 10);
            rig.failed("003C00473430511536380002", old, "1-1.5", "Error: Target device not found.");
            rig.flashing("003C00473430511536380003", "1-1.5", 77);

            JsonNode snapshot = JSON.readTree(asAdmin().get("/api/v1/live/snapshot").then().statusCode(200)
                    .extract().asString());
            JsonNode slot = null;
            for (JsonNode board : snapshot.path("slots")) {
                if ("rig-live-snapshot".equals(board.path("rig").asText())) {
                    assertEquals(null, slot, "one board per slot");
                    slot = board;
                }
            }
            assertNotNull(slot);
            assertEquals("003C00473430511536380003", slot.path("serial").asText());
            assertEquals(77, slot.path("percent").asInt());
            assertEquals("5", slot.path("slotLabel").asText());
            asAdmin().get("/api/v1/live/snapshot").then()
                    .body("recentFailures.serial", hasItem("003C00473430511536380002"))
                    .body("rigs.name", hasItem("rig-live-snapshot"));
        }
    }

    @Test
    void statsCountEndedAttemptsPerRigAndSlot() throws Exception {
        try (ReportingRig rig = new ReportingRig(server, "rig-live-stats")) {
            String attempt = rig.flashing("003C00473430511536380004", "1-1.7", 50);
            rig.failed("003C00473430511536380004", attempt, "1-1.7", "Error: TSV flashing service failed");
        }
        asAdmin().get("/api/v1/stats?hours=1").then().statusCode(200)
                .body("perRig.find { it.rig == 'rig-live-stats' }.failed", equalTo(1))
                .body("perRig.find { it.rig == 'rig-live-stats' }.yield", equalTo(0.0f))
                .body("perSlot.find { it.rig == 'rig-live-stats' }.slot", equalTo("7"))
                .body("topFailures.code", hasItem("PROGRAMMER_ERROR"))
                .body("boardsPerHour.size()", equalTo(2));
    }

    @Test
    void theLiveViewNeedsAToken() {
        RestAssured.get("/api/v1/live/snapshot").then().statusCode(401);
        RestAssured.get("/api/v1/live/events").then().statusCode(401);
        RestAssured.get("/api/v1/stats").then().statusCode(401);
        // The page itself is public but holds no data.
        RestAssured.get("/dashboard/").then().statusCode(200).body(containsString("Sign in"))
                .body(org.hamcrest.Matchers.not(containsString("04:D9")));
    }

    @Test
    void aPeriodOutsideOneHourToOneMonthIsRefused() {
        asAdmin().get("/api/v1/stats?hours=0").then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("detail", containsString("hours"));
        asAdmin().get("/api/v1/stats?hours=lots").then().statusCode(400)
                .contentType(containsString("application/problem+json"));
    }
}
