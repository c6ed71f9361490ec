package io.flashrig.server.board;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A rig whose clock runs fast cannot pin a board's state: its future stamps count as the time the server received
 * them, so a later re-flash elsewhere decides the board, while a backlog honestly stamped in the past keeps its times.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class RigClockTest {

    @TestHTTPResource("/")
    URL server;

    @Test
    void aBoardFollowsItsLatestRealAttemptWhenTheRigThatFlashedItFirstHadAClockHoursAhead() throws Exception {
        String serial = "003C0047343051153638C1C1";
        Instant serverNow = Instant.now();
        Events fast = new Events(serial, 1, serverNow.plus(Duration.ofHours(2)));
        try (RigClient rig = new RigClient(server, TestApi.registerRig("rig-fast-clock"));
                RigClient.EventStream stream = rig.stream()) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            stream.send(RigClient.batch(session, fast.detected(), fast.flashStarted(), fast.flashed(),
                    fast.done("")));
        }
        asAdmin().get("/api/v1/boards/" + serial).then().body("state", equalTo("DONE"));
        Long ahead = asAdmin().get("/api/v1/rigs/rig-fast-clock").then().extract().jsonPath()
                .getLong("clockAheadSeconds");
        assertTrue(ahead >= 7000 && ahead <= 7300, "clock ahead by " + ahead + " s");

        // The same board, flashed again on a rig with a right clock, fails: that is the board's state now.
        Events right = new Events(serial, 1, Instant.now());
        try (RigClient rig = new RigClient(server, TestApi.registerRig("rig-right-clock"));
                RigClient.EventStream stream = rig.stream()) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            stream.send(RigClient.batch(session, right.detected(), right.failed(
                    FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, "Error: Start operation failed at partition 0x01")));
        }
        JsonPath board = asAdmin().get("/api/v1/boards/" + serial).then().statusCode(200).extract().jsonPath();
        assertEquals("FAILED", board.getString("state"), board.prettify());
        assertEquals(Boolean.TRUE, board.get("attempts.find { it.attemptId == '" + fast.attemptId() + "' }.rigClockOff"));
        assertEquals(Boolean.FALSE,
                board.get("attempts.find { it.attemptId == '" + right.attemptId() + "' }.rigClockOff"));
        // The fast rig's attempt is dated by the server's receipt, not two hours from now.
        Instant fastStart = Instant.parse(board.get("attempts.find { it.attemptId == '" + fast.attemptId()
                + "' }.startedAt"));
        assertTrue(fastStart.isBefore(Instant.now().plusSeconds(60)), "started at " + fastStart);
        asAdmin().get("/api/v1/rigs/rig-right-clock").then().body("clockAheadSeconds", nullValue());
    }

    @Test
    void aBacklogStampedInThePastKeepsItsOwnTimesAndAFixedClockClearsTheWarning() throws Exception {
        String serial = "003C0047343051153638C1C2";
        Instant anHourAgo = Instant.now().minus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Events late = new Events(serial, 1, anHourAgo);
        try (RigClient rig = new RigClient(server, TestApi.registerRig("rig-was-away"));
                RigClient.EventStream stream = rig.stream()) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            Events ahead = new Events("003C0047343051153638C1C3", 1, Instant.now().plus(Duration.ofMinutes(30)));
            stream.send(RigClient.batch(session, ahead.detected()));
            asAdmin().get("/api/v1/rigs/rig-was-away").then().body("clockAheadSeconds", org.hamcrest.Matchers.notNullValue());
            stream.send(RigClient.batch(session, renumbered(late.detected(), 2), renumbered(late.flashStarted(), 3)));
        }
        JsonPath board = asAdmin().get("/api/v1/boards/" + serial).then().statusCode(200).extract().jsonPath();
        assertEquals(anHourAgo.plusSeconds(10), Instant.parse(board.getString("attempts[0].startedAt")));
        assertEquals(Boolean.FALSE, board.get("attempts[0].rigClockOff"));
        asAdmin().get("/api/v1/rigs/rig-was-away").then().body("clockAheadSeconds", nullValue());
    }

    @Test
    void aRigSaysItsClockWhenItOpensASessionAndTheServerShowsHowFarOffItIs() {
        String token = TestApi.registerRig("rig-says-its-clock");
        for (Duration off : new Duration[] {Duration.ofHours(2), Duration.ofMinutes(-10), Duration.ZERO}) {
            try (RigClient rig = new RigClient(server, token)) {
                Instant agentTime = Instant.now().plus(off);
                rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()).toBuilder()
                        .setAgentTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(agentTime.getEpochSecond()))
                        .build());
            }
            long skew = asAdmin().get("/api/v1/rigs/rig-says-its-clock").then().statusCode(200).extract().jsonPath()
                    .getLong("clockSkewSeconds");
            assertTrue(Math.abs(skew - off.toSeconds()) <= 30, "skew " + skew + " s for a clock off by " + off);
        }
    }

    private static io.flashrig.proto.rig.v1.BoardEvent renumbered(io.flashrig.proto.rig.v1.BoardEvent event,
            long sequence) {
        return event.toBuilder().setSequence(sequence).build();
    }
}
