package io.flashrig.server.board;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.EventText;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * One bad event never holds up the others: text the database cannot store is cleaned on arrival, an event the database
 * refuses anyway is rejected alone while the rest of its request is committed, and the rejection is counted on the rig.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class BoardEventRefusalTest {

    @TestHTTPResource("/")
    URL server;

    @Test
    void nulBytesEscapeCodesAndHugeOutputAreCleanedNotRefused() throws Exception {
        String token = TestApi.registerRig("rig-noisy");
        String serial = serial();
        Events board = new Events(serial, 1);
        List<String> output = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            output.add("\u001B[2K\r" + i + "% \u0000" + "#".repeat(5_000));
        }
        output.add("Error: \u0000\u0000 start failed " + "x".repeat(20_000));
        BoardEvent detected = board.detected();
        BoardEvent failed = board.failed(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR,
                "\u001B[31mError:\u001B[0m Start operation failed\u0000 at partition 0x01 " + "y".repeat(20_000));
        failed = failed.toBuilder().setFailed(failed.getFailed().toBuilder().addAllProgrammerOutputTail(output)).build();
        try (RigClient rig = new RigClient(server, token); RigClient.EventStream stream = rig.stream()) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            StreamBoardEventsResponse answer = stream.send(RigClient.batch(session, detected, failed));
            assertEquals(2, answer.getCommittedThroughSequence());
            assertEquals(List.of(), answer.getRejectedList());
        }
        try (Connection c = TestApi.directDataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT message, programmer_output_tail, outcome"
                        + " FROM flash_attempt WHERE attempt_id = ?::uuid")) {
            ps.setString(1, board.attemptId());
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                String message = rs.getString(1);
                assertTrue(message.startsWith("Error: Start operation failed at partition 0x01 y"), message);
                assertEquals(EventText.MESSAGE, message.length());
                assertTrue(message.endsWith(EventText.CLIPPED));
                List<String> tail = List.of(rs.getString(2).split("\n"));
                assertEquals(EventText.OUTPUT_TAIL_LINES, tail.size());
                assertTrue(tail.get(19).startsWith("Error:  start failed xxx"), tail.get(19));
                tail.forEach(line -> assertTrue(line.length() <= EventText.OUTPUT_LINE && EventText.isPlain(line), line));
                assertEquals("FAILED", rs.getString(3));
            }
        }
        asAdmin().get("/api/v1/boards/" + serial).then().statusCode(200).body("state", equalTo("FAILED"));
        asAdmin().get("/api/v1/rigs/rig-noisy").then().body("rejectedEvents", equalTo(0));
    }

    @Test
    void anEventTheDatabaseRefusesIsRejectedAloneAndTheRestOfTheRequestIsCommitted() throws Exception {
        String token = TestApi.registerRig("rig-refused");
        Events good = new Events(serial(), 1);
        Events bad = new Events(serial(), 1);
        List<BoardEvent> events = new ArrayList<>();
        // Interleaved, as a rig's backlog is: the bad board's failure sits between the good board's events.
        events.add(sequenced(good.detected(), 1));
        events.add(sequenced(bad.detected(), 2));
        events.add(sequenced(good.flashStarted(), 3));
        BoardEvent refused = bad.failed(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, "Error: refuse-me");
        events.add(sequenced(refused, 4));
        events.add(sequenced(good.flashed(), 5));
        events.add(sequenced(good.failed(FailureReason.FAILURE_REASON_TIMEOUT, "killed after 600 s"), 6));
        // Stands in for whatever PostgreSQL may refuse that no check foresaw.
        try (Connection c = TestApi.directDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE FUNCTION refuse_marked_message() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.message LIKE '%refuse-me%' THEN
                            RAISE EXCEPTION 'this message is refused by the test';
                        END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER refuse_marked_message BEFORE UPDATE ON flash_attempt
                        FOR EACH ROW EXECUTE FUNCTION refuse_marked_message();""");
        }
        StreamBoardEventsResponse answer;
        try (RigClient rig = new RigClient(server, token); RigClient.EventStream stream = rig.stream()) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            answer = stream.send(RigClient.batch(session, events.toArray(BoardEvent[]::new)));
            // Sent again (the agent missed the answer): the same verdict, nothing counted twice.
            StreamBoardEventsResponse again = stream.send(RigClient.batch(session, events.toArray(BoardEvent[]::new)));
            assertEquals(answer.getRejectedList(), again.getRejectedList());
        } finally {
            try (Connection c = TestApi.directDataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TRIGGER refuse_marked_message ON flash_attempt; DROP FUNCTION refuse_marked_message()");
            }
        }
        assertEquals(6, answer.getCommittedThroughSequence());
        assertEquals(1, answer.getRejectedCount(), answer.toString());
        assertEquals(4, answer.getRejected(0).getSequence());
        assertTrue(answer.getRejected(0).getMessage().startsWith("The database refused this event (SQLState P0001)"),
                answer.getRejected(0).getMessage());
        assertTrue(answer.getRejected(0).getMessage().contains("this message is refused by the test"));

        // Everything else is applied as if the bad event had never been sent.
        asAdmin().get("/api/v1/boards/" + good.serial()).then().statusCode(200).body("state", equalTo("FAILED"))
                .body("attempts[0].failureCode", equalTo("TIMEOUT"));
        asAdmin().get("/api/v1/boards/" + bad.serial()).then().statusCode(200).body("state", equalTo("DETECTED"));
        assertEquals(6, TestApi.count("SELECT count(*) FROM board_event e JOIN rig r ON r.id = e.rig_id"
                + " WHERE r.name = 'rig-refused'"));
        assertEquals(1, TestApi.count("SELECT count(*) FROM board_event e JOIN rig r ON r.id = e.rig_id"
                + " WHERE r.name = 'rig-refused' AND e.sequence = 4 AND e.rejected_reason LIKE 'The database refused%'"));
        asAdmin().get("/api/v1/rigs/rig-refused").then().statusCode(200).body("rejectedEvents", equalTo(1))
                .body("lastRejection", startsWith("The database refused this event"));
    }

    @Test
    void theServerStatesItsRealRequestLimitAndHonoursIt() throws Exception {
        String token = TestApi.registerRig("rig-big-requests");
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            assertEquals(4 * 1024 * 1024, session.getMaxRequestBytes());
            // Above the Vert.x gRPC server's own 256 KiB default, below the stated limit: accepted.
            List<BoardEvent> big = new ArrayList<>();
            long sequence = 0;
            while (RigClient.batch(session, big.toArray(BoardEvent[]::new)).getSerializedSize() < 512 * 1024) {
                Events board = new Events(serial(), sequence + 1);
                big.add(withTail(board.failed(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, "Error: x"), 20, 480));
                sequence++;
            }
            try (RigClient.EventStream stream = rig.stream()) {
                StreamBoardEventsResponse answer = stream.send(RigClient.batch(session, big.toArray(BoardEvent[]::new)));
                assertEquals(sequence, answer.getCommittedThroughSequence());
            }
            // Above the stated limit: refused as too large, for the agent to send smaller requests.
            BoardEvent huge = withTail(new Events(serial(), sequence + 1)
                    .failed(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, "Error: x"), 50, 100_000);
            assertTrue(huge.getSerializedSize() > session.getMaxRequestBytes());
            try (RigClient.EventStream stream = rig.stream()) {
                StatusRuntimeException tooBig = assertThrows(StatusRuntimeException.class,
                        () -> stream.send(RigClient.batch(session, huge)));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, tooBig.getStatus().getCode(), tooBig.toString());
            }
        }
    }

    @Test
    void whatARigSaysAboutItselfIsCleanedNeverARefusal() {
        String token = TestApi.registerRig("rig-odd-host");
        try (RigClient rig = new RigClient(server, token)) {
            rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()).toBuilder()
                    .setHostname("line-2\u0000\u001B]0;pwned\u0007-pc" + "h".repeat(1_000)).build());
        }
        String hostname = asAdmin().get("/api/v1/rigs/rig-odd-host").then().statusCode(200).extract().path("hostname");
        assertTrue(hostname.startsWith("line-2-pchhh"), hostname);
        assertEquals(EventText.NAME, hostname.length());
        assertFalse(hostname.contains("pwned"));
    }

    private static BoardEvent withTail(BoardEvent failed, int lines, int width) {
        BoardFailed.Builder f = failed.getFailed().toBuilder();
        for (int i = 0; i < lines; i++) {
            f.addProgrammerOutputTail(i + " " + "o".repeat(width));
        }
        return failed.toBuilder().setFailed(f).build();
    }

    private static BoardEvent sequenced(BoardEvent event, long sequence) {
        return event.toBuilder().setSequence(sequence).build();
    }

    private static String serial() {
        return String.format(Locale.ROOT, "%012X%012X", ThreadLocalRandom.current().nextLong(1L << 40, 1L << 47),
                ThreadLocalRandom.current().nextLong(1L << 40, 1L << 47));
    }
}
