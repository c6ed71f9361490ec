package io.flashrig.server.dashboard;

import com.google.protobuf.Timestamp;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardDone;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardFlashed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.MacVerified;
import io.flashrig.proto.rig.v1.MacWritten;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.RigServiceGrpc;
import io.flashrig.proto.rig.v1.Slot;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.server.testing.TestApi;
import java.net.URL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** A registered rig with an open session that reports boards happening now, for the live view's tests. */
final class ReportingRig implements AutoCloseable {

    private final RigClient client;
    private final OpenSessionResponse session;
    private final RigClient.EventStream stream;
    private long sequence;

    ReportingRig(URL server, String name) {
        client = new RigClient(server, TestApi.registerRig(name));
        session = client.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
        stream = client.stream();
    }

    /** The rig's unary calls (AssignMac, ReportOtpMac). */
    RigServiceGrpc.RigServiceBlockingStub rpc() {
        return client.rpc();
    }

    /** A board that was just plugged into {@code port} and is now flashing at {@code percent}. */
    String flashing(String serial, String port, int percent) throws InterruptedException {
        String attempt = UUID.randomUUID().toString();
        send(plugged(serial, attempt, port, percent).toArray(BoardEvent[]::new));
        return attempt;
    }

    /** Boards just plugged into {@code port} and flashing, all reported together: one update each on the live view. */
    void flashingAll(List<String> serials, String port) throws InterruptedException {
        send(serials.stream().flatMap(serial -> plugged(serial, UUID.randomUUID().toString(), port, 3))
                .toArray(BoardEvent[]::new));
    }

    /** A board's first two events: detected, then flashing at {@code percent}. */
    private Stream<BoardEvent> plugged(String serial, String attempt, String port, int percent) {
        return Stream.of(event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_DETECTED)
                        .setDetected(BoardDetected.newBuilder().setUsbProductId(0xDF11)).build(),
                progressEvent(serial, attempt, port, percent));
    }

    /** {@code count} progress reports of a flashing board, sent together as an agent sends its backlog. */
    void progress(String serial, String attempt, String port, int count) throws InterruptedException {
        send(IntStream.range(0, count).mapToObj(i -> progressEvent(serial, attempt, port, i % 100))
                .toArray(BoardEvent[]::new));
    }

    private BoardEvent progressEvent(String serial, String attempt, String port, int percent) {
        return event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_FLASHING)
                .setFlashProgress(FlashProgress.newBuilder().setPartitionId("0x21").setPartitionName("bootfs")
                        .setPartitionPercent(percent).setOverallPercent(percent)).build();
    }

    void failed(String serial, String attempt, String port, String message) throws InterruptedException {
        send(event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_FAILED)
                .setFailed(BoardFailed.newBuilder().setReason(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR)
                        .setMessage(message).setFailedInState(FlashJobState.FLASH_JOB_STATE_FLASHING)).build());
    }

    /**
     * A whole attempt that began at {@code start}, flashed against {@code release}: it fails with {@code failure} and
     * the programmer's last {@code tail} lines 20 s in, or, with no failure, is flashed after 38 s and done, with
     * {@code mac} (assigned to the board beforehand) written and verified when there is one.
     */
    void attempt(String serial, String port, Instant start, String release, String mac, String failure,
            List<String> tail) throws InterruptedException {
        String attempt = UUID.randomUUID().toString();
        List<BoardEvent> events = new ArrayList<>(List.of(
                event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_DETECTED, start)
                        .setDetected(BoardDetected.newBuilder().setUsbProductId(0xDF11)).build(),
                event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_FLASHING, start.plusSeconds(2))
                        .setFlashStarted(FlashStarted.newBuilder().setLayoutName("FlashLayout_emmc.tsv")
                                .setReleaseName(release)).build()));
        if (failure != null) {
            events.add(event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_FAILED, start.plusSeconds(20))
                    .setFailed(BoardFailed.newBuilder().setReason(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR)
                            .setMessage(failure).addAllProgrammerOutputTail(tail)
                            .setFailedInState(FlashJobState.FLASH_JOB_STATE_FLASHING)).build());
        } else {
            events.add(event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_FLASHED, start.plusSeconds(38))
                    .setFlashed(BoardFlashed.newBuilder()).build());
            if (mac != null) {
                events.add(event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_FUSING, start.plusSeconds(40))
                        .setMacWritten(MacWritten.newBuilder().setMac(mac)).build());
                events.add(event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_FUSING, start.plusSeconds(41))
                        .setMacVerified(MacVerified.newBuilder().setMac(mac)).build());
            }
            events.add(event(serial, attempt, port, FlashJobState.FLASH_JOB_STATE_DONE, start.plusSeconds(43))
                    .setDone(BoardDone.newBuilder().setMac(mac == null ? "" : mac)
                            .setTotalDuration(com.google.protobuf.Duration.newBuilder().setSeconds(43))).build());
        }
        send(events.toArray(BoardEvent[]::new));
    }

    /** An event the server cannot apply (its serial is no board's): recorded as rejected and counted on the rig. */
    void malformed(String port) throws InterruptedException {
        send(event("not-a-serial", UUID.randomUUID().toString(), port, FlashJobState.FLASH_JOB_STATE_DETECTED)
                .setDetected(BoardDetected.newBuilder()).build());
    }

    private BoardEvent.Builder event(String serial, String attempt, String port, FlashJobState state) {
        return event(serial, attempt, port, state, Instant.now());
    }

    private BoardEvent.Builder event(String serial, String attempt, String port, FlashJobState state, Instant now) {
        return BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setSequence(++sequence)
                .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setSerial(serial).setAttemptId(attempt)
                .setSlot(Slot.newBuilder().setPortPath(port).setLabel(port.substring(port.lastIndexOf('.') + 1))
                        .setPowerUpOrder((int) sequence))
                .setState(state);
    }

    private void send(BoardEvent... events) throws InterruptedException {
        stream.send(StreamBoardEventsRequest.newBuilder().setSessionId(session.getSessionId())
                .addAllEvents(List.of(events)).build());
    }

    @Override
    public void close() throws InterruptedException {
        stream.close();
        client.close();
    }
}
