package io.flashrig.server.rig;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.MacState;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.OtpMacVerdict;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URL;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The whole contract, as an agent uses it: open a session, stream events, get a MAC, report an OTP MAC. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class RigServiceRoundTripTest {

    @TestHTTPResource("/")
    URL server;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void anAgentFlashesAndFusesABoardThroughTheContract() throws Exception {
        long first = TestApi.freshRange(16);
        String token = TestApi.registerRig("rig-roundtrip");
        String serial = "003C00473430511536383630";
        String queue = UUID.randomUUID().toString();
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(queue));
            assertEquals("rig-roundtrip", session.getRigName());
            assertEquals(0, session.getCommittedThroughSequence());
            assertTrue(session.getMaxEventsPerRequest() > 0);
            assertTrue(session.getHeartbeatInterval().getSeconds() > 0);

            Events board = new Events(serial, 1);
            List<BoardEvent> before = List.of(board.detected(), board.flashStarted(), board.flashed(),
                    board.otpBlank());
            AssignMacResponse assigned;
            List<BoardEvent> after;
            try (RigClient.EventStream stream = rig.stream()) {
                StreamBoardEventsResponse ack = stream.send(RigClient.batch(session, before.toArray(BoardEvent[]::new)));
                assertEquals(4, ack.getCommittedThroughSequence());
                assertEquals(0, ack.getRejectedCount());

                assigned = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial.toLowerCase())
                        .setAttemptId(board.attemptId()).setRequestId(UUID.randomUUID().toString()).build());
                assertEquals(TestApi.mac(first), assigned.getMac());
                assertEquals(MacState.MAC_STATE_ASSIGNED, assigned.getState());
                assertTrue(assigned.getNewlyAssigned());

                after = List.of(board.macWritten(assigned.getMac()), board.macVerified(assigned.getMac()),
                        board.done(assigned.getMac()));
                ack = stream.send(RigClient.batch(session, after.toArray(BoardEvent[]::new)));
                assertEquals(7, ack.getCommittedThroughSequence());

                // While the stream is open, the rig counts as connected (it sent something within two heartbeats).
                assertEquals(7, stream.send(RigClient.batch(session)).getCommittedThroughSequence());
                asAdmin().get("/api/v1/rigs/rig-roundtrip").then().statusCode(200)
                        .body("connected", equalTo(true)).body("agentVersion", equalTo("0.1.0"));
            }

            AssignMacResponse again = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).build());
            assertEquals(assigned.getMac(), again.getMac());
            assertEquals(MacState.MAC_STATE_FUSED, again.getState());
            assertFalse(again.getNewlyAssigned());

            var verdict = rig.rpc().reportOtpMac(ReportOtpMacRequest.newBuilder().setSerial(serial)
                    .setMac(assigned.getMac().toLowerCase().replace(':', '-')).build());
            assertEquals(OtpMacVerdict.OTP_MAC_VERDICT_CONFIRMED, verdict.getVerdict());
            assertEquals(assigned.getMac(), verdict.getMac());

            asAdmin().get("/api/v1/macs/" + assigned.getMac()).then().statusCode(200)
                    .body("state", equalTo("FUSED")).body("boardSerial", equalTo(serial))
                    .body("rig", equalTo("rig-roundtrip")).body("origin", equalTo("POOL"));
            asAdmin().get("/api/v1/boards/" + serial).then().statusCode(200)
                    .body("state", equalTo("DONE")).body("mac", equalTo(assigned.getMac()))
                    .body("macState", equalTo("FUSED"))
                    .body("attempts[0].outcome", equalTo("DONE"))
                    .body("attempts[0].rig", equalTo("rig-roundtrip"))
                    .body("attempts[0].portPath", equalTo("20-1.4.2"))
                    .body("attempts[0].layoutName", equalTo("FlashLayout_emmc.tsv"))
                    .body("attempts[0].phases.flashMillis", equalTo(10_000))
                    .body("attempts[0].phases.totalMillis", equalTo(60_000));

            asAdmin().get("/api/v1/boards?rig=rig-roundtrip&state=done&since=2026-11-27").then().statusCode(200)
                    .body("total", equalTo(1)).body("items[0].serial", equalTo(serial))
                    .body("items[0].mac", equalTo(assigned.getMac())).body("items[0].rig", equalTo("rig-roundtrip"));
            asAdmin().get("/api/v1/boards?rig=rig-roundtrip&state=FAILED").then().body("total", equalTo(0));
            String csv = asAdmin().accept("text/csv").get("/api/v1/boards?rig=rig-roundtrip").then().statusCode(200)
                    .contentType(containsString("text/csv")).extract().asString();
            assertEquals(List.of("serial,mac,mac_state,state,rig,first_seen,last_seen,release",
                    serial + "," + assigned.getMac() + ",FUSED,DONE,rig-roundtrip,2026-11-27T08:00:10Z,"
                            + "2026-11-27T08:01:10Z,"), List.of(csv.split("\r\n")));

            // The replay: after a reconnect the agent resends everything; nothing is stored twice, the ack is the same.
            long stored = TestApi.count("SELECT count(*) FROM board_event WHERE serial = ?", serial);
            assertEquals(7, stored);
            OpenSessionResponse reopened = rig.rpc().openSession(RigClient.sessionRequest(queue));
            assertEquals(7, reopened.getCommittedThroughSequence());
            try (RigClient.EventStream stream = rig.stream()) {
                assertEquals(7, stream.send(RigClient.batch(reopened, before.toArray(BoardEvent[]::new)))
                        .getCommittedThroughSequence());
                assertEquals(7, stream.send(RigClient.batch(reopened, after.toArray(BoardEvent[]::new)))
                        .getCommittedThroughSequence());
            }
            assertEquals(7, TestApi.count("SELECT count(*) FROM board_event WHERE serial = ?", serial));
            assertEquals(1, TestApi.count("SELECT count(*) FROM flash_attempt WHERE serial = ?", serial));
            asAdmin().get("/api/v1/boards/" + serial + "/events?size=5").then().statusCode(200)
                    .body("total", equalTo(7)).body("items.size()", equalTo(5))
                    .body("items[0].kind", equalTo("DETECTED")).body("items[0].rig", equalTo("rig-roundtrip"));
            asAdmin().get("/api/v1/boards/" + serial).then().body("attempts.size()", equalTo(1))
                    .body("attempts[0].phases.totalMillis", equalTo(60_000));
        }
        TestApi.management(management).get("/q/metrics").then().statusCode(200)
                .body(containsString("flashrig_boards_flashed_total{outcome=\"DONE\"}"))
                .body(containsString("flashrig_flash_duration_seconds_bucket"))
                .body(containsString("flashrig_macs_available"))
                .body(containsString("flashrig_rigs_connected"));
    }

    @Test
    void aMalformedEventIsRecordedRejectedAndAcknowledgedTheSameWayTwice() throws Exception {
        String token = TestApi.registerRig("rig-malformed");
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            Events board = new Events("002700223239511737383434", 1);
            BoardEvent good = board.detected();
            BoardEvent bad = board.malformed();
            try (RigClient.EventStream stream = rig.stream()) {
                StreamBoardEventsResponse first = stream.send(RigClient.batch(session, good, bad));
                assertEquals(2, first.getCommittedThroughSequence());
                assertEquals(1, first.getRejectedCount());
                assertEquals(bad.getEventId(), first.getRejected(0).getEventId());
                assertTrue(first.getRejected(0).getMessage().contains("not a board serial"));
                assertEquals(first, stream.send(RigClient.batch(session, good, bad)));
                // An empty request is a heartbeat: it commits nothing and answers how far the queue is.
                assertEquals(2, stream.send(RigClient.batch(session)).getCommittedThroughSequence());
                // A different event reusing a committed sequence is no replay: refused, never stored over the first.
                BoardEvent reused = good.toBuilder().setEventId(UUID.randomUUID().toString()).build();
                StreamBoardEventsResponse refused = stream.send(RigClient.batch(session, reused));
                assertEquals(2, refused.getCommittedThroughSequence());
                assertEquals(reused.getEventId(), refused.getRejected(0).getEventId());
                assertTrue(refused.getRejected(0).getMessage().contains("already holds event " + good.getEventId()));
            }
            assertEquals(2, TestApi.count("SELECT count(*) FROM board_event"
                    + " WHERE rig_id = (SELECT id FROM rig WHERE name = 'rig-malformed')"));
            assertEquals(1, TestApi.count("SELECT count(*) FROM board_event WHERE rejected_reason IS NOT NULL"
                    + " AND rig_id = (SELECT id FROM rig WHERE name = 'rig-malformed')"));
        }
    }

    @Test
    void aStaleSessionOrAMalformedRequestEndsTheStream() throws Exception {
        String token = TestApi.registerRig("rig-stale");
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse old = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            OpenSessionResponse current = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            try (RigClient.EventStream stream = rig.stream()) {
                Exception e = assertThrows(Exception.class, () -> stream.send(RigClient.batch(old)));
                RigClient.assertError(e, Status.Code.FAILED_PRECONDITION, "UNKNOWN_SESSION");
            }
            Events board = new Events("002700223239511737383435", 5);
            BoardEvent fifth = board.detected();
            BoardEvent sixth = board.flashStarted();
            try (RigClient.EventStream stream = rig.stream()) {
                Exception e = assertThrows(Exception.class, () -> stream.send(RigClient.batch(current, sixth, fifth)));
                RigClient.assertError(e, Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
            }
            Exception e = assertThrows(Exception.class, () -> rig.rpc().openSession(RigClient.sessionRequest("queue-1")));
            assertEquals("queue_id", RigClient.assertError(e, Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST")
                    .getMetadataOrThrow("field"));
        }
    }

    @Test
    void docsAreServed() {
        RestAssured.get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/api/v1/mac-ranges'", notNullValue());
        RestAssured.get("/q/swagger-ui/").then().statusCode(200);
    }
}
