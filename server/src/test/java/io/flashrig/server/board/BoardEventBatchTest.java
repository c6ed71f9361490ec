package io.flashrig.server.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardFlashed;
import io.flashrig.proto.rig.v1.BoardRemoved;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.OtpRead;
import io.flashrig.proto.rig.v1.RejectedEvent;
import io.flashrig.proto.rig.v1.Slot;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A request's events are applied set-based: one statement for the events, one for their boards, one for their
 * attempts. What that leaves must be exactly what applying the same events one request at a time leaves, also for
 * the awkward cases an agent can produce.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class BoardEventBatchTest {

    private static final Instant T = Instant.parse("2026-11-27T09:00:00Z");

    @TestHTTPResource("/")
    URL server;

    @Test
    void eventsAppliedInOneRequestLeaveWhatTheyLeaveOneByOne() throws Exception {
        Run together = run("rig-batch-together", "A", true);
        Run oneByOne = run("rig-batch-single", "B", false);
        assertEquals(oneByOne.rejected(), together.rejected(), "the same events are refused");
        assertEquals(3, together.rejected().size(), together.rejected().toString());
        assertEquals(oneByOne.rows(), together.rows());
        // The rows are what the one-by-one rules say, not merely the same twice.
        String x = together.rows().get("board X");
        assertTrue(x.contains("state=FUSING") && x.contains("first_seen=" + ts(0)) && x.contains("last_seen=" + ts(40)), x);
        String ax = together.rows().get("attempt X");
        assertTrue(ax.contains("port_path=1-1.1") && ax.contains("slot_label=1") && ax.contains("power_up_order=1")
                && ax.contains("started_at=" + ts(0)) && ax.contains("flashed_at=" + ts(40)), ax);
        String y = together.rows().get("attempt Y");
        assertTrue(y.contains("outcome=FAILED") && y.contains("failure_code=PROGRAMMER_ERROR")
                && y.contains("removed_at=" + ts(7)), y);
    }

    /** What one run left: the rows of its boards and attempts by role, and the sequences refused. */
    private record Run(Map<String, String> rows, List<Long> rejected) {
    }

    private Run run(String rigName, String prefix, boolean together) throws Exception {
        String token = TestApi.registerRig(rigName);
        Map<String, String> serials = new LinkedHashMap<>();
        List<String> roles = List.of("X", "Y", "Z", "W");
        for (int i = 0; i < roles.size(); i++) {
            serials.put(roles.get(i), prefix + (i + 1) + UUID.randomUUID().toString().replace("-", "").substring(0, 22).toUpperCase());
        }
        Map<String, String> attempts = new LinkedHashMap<>();
        for (String role : List.of("X", "Y", "Z")) {
            attempts.put(role, UUID.randomUUID().toString());
        }
        List<BoardEvent> events = scenario(serials, attempts);
        List<Long> rejected = new ArrayList<>();
        try (RigClient rig = new RigClient(server, token); RigClient.EventStream stream = rig.stream()) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            List<List<BoardEvent>> requests = together ? List.of(events) : events.stream().map(List::of).toList();
            for (List<BoardEvent> request : requests) {
                StreamBoardEventsResponse ack = stream.send(RigClient.batch(session, request.toArray(BoardEvent[]::new)));
                assertEquals(request.get(request.size() - 1).getSequence(), ack.getCommittedThroughSequence());
                ack.getRejectedList().stream().map(RejectedEvent::getSequence).forEach(rejected::add);
            }
        }
        Map<String, String> rows = new LinkedHashMap<>();
        UnaryOperator<String> anonymous = text -> {
            String out = text;
            for (Map.Entry<String, String> s : serials.entrySet()) {
                out = out.replace(s.getValue(), "serial " + s.getKey());
            }
            for (Map.Entry<String, String> a : attempts.entrySet()) {
                out = out.replace(a.getValue(), "attempt " + a.getKey());
            }
            return out.replaceAll("@\\d+", "@rig");
        };
        try (Connection c = TestApi.directDataSource().getConnection()) {
            for (Map.Entry<String, String> s : serials.entrySet()) {
                rows.put("board " + s.getKey(), anonymous.apply(row(c, "SELECT state, first_seen, last_seen, last_attempt_id"
                        + " FROM board WHERE serial = ?", s.getValue())));
            }
            for (Map.Entry<String, String> a : attempts.entrySet()) {
                rows.put("attempt " + a.getKey(), anonymous.apply(row(c, "SELECT serial, port_path, slot_label,"
                        + " power_up_order, layout_name, state, started_at, last_event_at, flash_started_at, flashed_at,"
                        + " ended_at, removed_at, outcome, failure_code, message, programmer_output_tail"
                        + " FROM flash_attempt WHERE attempt_id = ?::uuid", a.getValue())));
            }
            rows.put("refused", anonymous.apply(row(c, "SELECT string_agg(sequence || ':' || rejected_reason, ' | '"
                    + " ORDER BY sequence) FROM board_event e JOIN rig r ON r.id = e.rig_id WHERE r.name = ?", rigName)));
        }
        return new Run(rows, List.copyOf(new TreeSet<>(rejected)));
    }

    /**
     * Board X: detected before its slot is known, a progress event whose clock went back, two events in the same
     * microsecond (the later one wins). Board Y: failed and removed. Board W reuses board Z's attempt id (refused), an event
     * repeats an earlier one's id (refused), and one event is malformed (recorded, refused).
     */
    private static List<BoardEvent> scenario(Map<String, String> serials, Map<String, String> attempts) {
        List<BoardEvent.Builder> events = new ArrayList<>();
        Slot x = Slot.newBuilder().setPortPath("1-1.1").setLabel("1").setPowerUpOrder(1).build();
        events.add(event(serials.get("X"), attempts.get("X"), 0, FlashJobState.FLASH_JOB_STATE_DETECTED)
                .setDetected(BoardDetected.newBuilder().setUsbProductId(0xDF11)));
        events.add(event(serials.get("Y"), attempts.get("Y"), 1, FlashJobState.FLASH_JOB_STATE_DETECTED)
                .setSlot(Slot.newBuilder().setPortPath("1-1.2").setPowerUpOrder(2))
                .setDetected(BoardDetected.newBuilder().setUsbProductId(0xDF11)));
        events.add(event(serials.get("X"), attempts.get("X"), 10, FlashJobState.FLASH_JOB_STATE_FLASHING).setSlot(x)
                .setFlashStarted(FlashStarted.newBuilder().setLayoutName("FlashLayout_emmc.tsv")));
        events.add(event(serials.get("Y"), attempts.get("Y"), 5, FlashJobState.FLASH_JOB_STATE_FAILED)
                .setSlot(Slot.newBuilder().setPortPath("9-9.9").setLabel("2"))
                .setFailed(BoardFailed.newBuilder().setReason(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR)
                        .setMessage("Error: Start operation failed").addProgrammerOutputTail("50%")));
        events.add(event(serials.get("X"), attempts.get("X"), 30, FlashJobState.FLASH_JOB_STATE_FLASHING).setSlot(x)
                .setFlashProgress(FlashProgress.newBuilder().setPartitionPercent(60)));
        events.add(event(serials.get("X"), attempts.get("X"), 20, FlashJobState.FLASH_JOB_STATE_FLASHING).setSlot(x)
                .setFlashProgress(FlashProgress.newBuilder().setPartitionPercent(70)));
        events.add(event(serials.get("Z"), attempts.get("Z"), 2, FlashJobState.FLASH_JOB_STATE_DETECTED)
                .setDetected(BoardDetected.newBuilder().setUsbProductId(0xDF11)));
        events.add(event(serials.get("W"), attempts.get("Z"), 3, FlashJobState.FLASH_JOB_STATE_DETECTED)
                .setDetected(BoardDetected.newBuilder().setUsbProductId(0xDF11)));
        events.add(event(serials.get("Y"), attempts.get("Y"), 7, FlashJobState.FLASH_JOB_STATE_REMOVED)
                .setRemoved(BoardRemoved.newBuilder().setFinalState(FlashJobState.FLASH_JOB_STATE_FAILED)));
        // The same microsecond, as the database keeps it; the later event has the smaller nanoseconds.
        events.add(event(serials.get("X"), attempts.get("X"), 40, FlashJobState.FLASH_JOB_STATE_FLASHED).setSlot(x)
                .setOccurredAt(Timestamp.newBuilder().setSeconds(T.getEpochSecond() + 40).setNanos(400))
                .setFlashed(BoardFlashed.newBuilder()));
        events.add(event(serials.get("X"), attempts.get("X"), 40, FlashJobState.FLASH_JOB_STATE_FUSING).setSlot(x)
                .setOccurredAt(Timestamp.newBuilder().setSeconds(T.getEpochSecond() + 40).setNanos(100))
                .setOtpRead(OtpRead.newBuilder().setBlank(true)));
        events.add(event(serials.get("X"), attempts.get("X"), 50, FlashJobState.FLASH_JOB_STATE_FLASHING).setSlot(x)
                .setEventId(events.get(2).getEventId()).setFlashProgress(FlashProgress.newBuilder().setPartitionPercent(90)));
        events.add(event("not-a-serial", attempts.get("X"), 60, FlashJobState.FLASH_JOB_STATE_FLASHING)
                .setFlashProgress(FlashProgress.newBuilder().setPartitionPercent(95)));
        List<BoardEvent> built = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            built.add(events.get(i).setSequence(i + 1).build());
        }
        return built;
    }

    private static BoardEvent.Builder event(String serial, String attemptId, int second, FlashJobState state) {
        Instant at = T.plusSeconds(second);
        return BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setSerial(serial).setAttemptId(attemptId)
                .setOccurredAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond())).setState(state);
    }

    private static String ts(int second) {
        return java.sql.Timestamp.from(T.plusSeconds(second)).toString();
    }

    private static String row(Connection c, String sql, String key) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return "no row";
                }
                ResultSetMetaData meta = rs.getMetaData();
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.append(meta.getColumnName(i)).append('=').append(rs.getObject(i) instanceof java.sql.Timestamp t
                            ? t.toString() : rs.getString(i)).append(' ');
                }
                return row.toString().strip();
            }
        }
    }
}
