package io.flashrig.server.testing;

import com.google.protobuf.Timestamp;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardDone;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardFlashed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.MacVerified;
import io.flashrig.proto.rig.v1.MacWritten;
import io.flashrig.proto.rig.v1.OtpRead;
import io.flashrig.proto.rig.v1.Slot;
import java.time.Instant;
import java.util.UUID;

/** Builds one board's events the way an agent sends them: one attempt, ascending sequences, seconds apart. */
public final class Events {

    private final String serial;
    private final String attemptId = UUID.randomUUID().toString();
    private final Instant start;
    private long sequence;

    public Events(String serial, long firstSequence) {
        this(serial, firstSequence, Instant.parse("2026-11-27T08:00:00Z"));
    }

    /** Events stamped from {@code start} on, ten seconds apart, as a rig whose clock reads {@code start} would. */
    public Events(String serial, long firstSequence, Instant start) {
        this.serial = serial;
        this.sequence = firstSequence - 1;
        this.start = start;
    }

    public String attemptId() {
        return attemptId;
    }

    public String serial() {
        return serial;
    }

    private BoardEvent.Builder next(FlashJobState state) {
        sequence++;
        Instant at = start.plusSeconds(sequence * 10);
        return BoardEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setSequence(sequence)
                .setOccurredAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
                .setSerial(serial)
                .setAttemptId(attemptId)
                .setSlot(Slot.newBuilder().setPortPath("20-1.4.2").setLabel("3").setPowerUpOrder(1))
                .setState(state);
    }

    public BoardEvent detected() {
        return next(FlashJobState.FLASH_JOB_STATE_DETECTED)
                .setDetected(BoardDetected.newBuilder().setUsbProductId(0xDF11).setProduct("DFU in HS Mode")).build();
    }

    public BoardEvent flashStarted() {
        return next(FlashJobState.FLASH_JOB_STATE_FLASHING).setFlashStarted(FlashStarted.newBuilder()
                .setLayoutName("FlashLayout_emmc.tsv").setLayoutSha256("ab".repeat(32))).build();
    }

    public BoardEvent flashed() {
        return next(FlashJobState.FLASH_JOB_STATE_FLASHED).setFlashed(BoardFlashed.newBuilder()).build();
    }

    public BoardEvent otpBlank() {
        return next(FlashJobState.FLASH_JOB_STATE_FUSING).setOtpRead(OtpRead.newBuilder().setBlank(true)).build();
    }

    public BoardEvent macWritten(String mac) {
        return next(FlashJobState.FLASH_JOB_STATE_FUSING).setMacWritten(MacWritten.newBuilder().setMac(mac)).build();
    }

    public BoardEvent macVerified(String mac) {
        return next(FlashJobState.FLASH_JOB_STATE_FUSING).setMacVerified(MacVerified.newBuilder().setMac(mac)).build();
    }

    public BoardEvent done(String mac) {
        return next(FlashJobState.FLASH_JOB_STATE_DONE).setDone(BoardDone.newBuilder().setMac(mac)).build();
    }

    public BoardEvent failed(FailureReason reason, String message) {
        return next(FlashJobState.FLASH_JOB_STATE_FAILED).setFailed(BoardFailed.newBuilder().setReason(reason)
                .setMessage(message)).build();
    }

    /** An event whose serial no board can have: the server records and rejects it. */
    public BoardEvent malformed() {
        return next(FlashJobState.FLASH_JOB_STATE_DETECTED).setSerial("not-a-serial")
                .setDetected(BoardDetected.newBuilder()).build();
    }
}
