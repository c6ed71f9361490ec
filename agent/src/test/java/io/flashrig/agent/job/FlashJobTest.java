package io.flashrig.agent.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.programmer.FlashProgressTracker;
import io.flashrig.agent.programmer.OtpReading;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.proto.rig.v1.Slot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FlashJobTest {

    private static final MacAddress MAC = MacAddress.parse("04:D9:21:00:00:01");
    private static final MacAddress OTHER = MacAddress.parse("04:D9:21:00:00:02");

    private final List<BoardEvent> events = new ArrayList<>();
    private final FlashJob job = new FlashJob("003C00473430511536383630", Slot.newBuilder().setPowerUpOrder(3).build(), 0xDF11,
            "DFU in HS Mode", Clock.systemUTC(), events::add);

    @BeforeEach
    void announce() {
        assertTrue(job.detected());
    }

    private FlashJob unannounced(List<BoardEvent> into) {
        return new FlashJob("003C00473430511536383631", Slot.newBuilder().setPowerUpOrder(4).build(), 0xDF11, "DFU in HS Mode",
                Clock.systemUTC(), into::add);
    }

    private void flash() {
        assertTrue(job.flashStarted("FlashLayout_emmc.tsv", "0".repeat(64), Path.of("attempt.log")));
        assertTrue(job.progress(new FlashProgressTracker.Progress("0x01", "fsbl-boot", 100, 20)));
        assertTrue(job.flashed(Duration.ofSeconds(40)));
    }

    /** Runs {@code step} as the one programmer step of the gate, as the job thread does for a write. */
    private boolean inProgrammerStep(java.util.function.BooleanSupplier step) {
        assertTrue(job.programmerStarting());
        try {
            return step.getAsBoolean();
        } finally {
            job.programmerStopped(List.of());
        }
    }

    private void refused(Executable step, String why) {
        int before = events.size();
        FlashJobState state = job.state();
        assertThrows(FlashJob.IllegalTransitionException.class, step, why);
        assertEquals(before, events.size(), "a refused step emits nothing: " + why);
        assertEquals(state, job.state(), "a refused step changes nothing: " + why);
    }

    @Test
    void everyStepIsOneEvent() {
        flash();
        job.done();
        assertEquals(List.of(FlashJobState.FLASH_JOB_STATE_DETECTED, FlashJobState.FLASH_JOB_STATE_FLASHING, FlashJobState.FLASH_JOB_STATE_FLASHING,
                FlashJobState.FLASH_JOB_STATE_FLASHED, FlashJobState.FLASH_JOB_STATE_DONE), events.stream().map(BoardEvent::getState).toList());
        assertEquals(5, events.stream().map(BoardEvent::getEventId).distinct().count());
        assertTrue(events.stream().allMatch(e -> e.getAttemptId().equals(job.attemptId()) && e.getSlot().getPowerUpOrder() == 3));
        assertEquals("", events.get(4).getDone().getMac(), "flash only");
    }

    @Test
    void aBlankBoardIsReadWrittenOnceVerifiedAndDoneWithItsMac() {
        flash();
        assertTrue(job.otpRead(new OtpReading.Blank()));
        assertTrue(job.waitingForMac("server unreachable"));
        assertTrue(inProgrammerStep(() -> job.otpWriteBegins(MAC)));
        assertTrue(job.macWritten(MAC));
        assertTrue(job.macVerified(MAC));
        assertTrue(job.done());
        List<BoardEvent.ChangeCase> changes = events.stream().map(BoardEvent::getChangeCase).toList();
        assertEquals(List.of(BoardEvent.ChangeCase.OTP_READ, BoardEvent.ChangeCase.WAITING_FOR_MAC, BoardEvent.ChangeCase.MAC_WRITTEN,
                BoardEvent.ChangeCase.MAC_VERIFIED, BoardEvent.ChangeCase.DONE), changes.subList(4, changes.size()));
        assertEquals(MAC.canonical(), events.get(events.size() - 1).getDone().getMac());
    }

    @Test
    void nothingIsWrittenBeforeOtpIsRead() {
        flash();
        assertTrue(job.programmerStarting());
        refused(() -> job.otpWriteBegins(MAC), "no read yet");
        refused(() -> job.macWritten(MAC), "no read, no write");
        refused(() -> job.macVerified(MAC), "no read, nothing to verify");
        refused(() -> job.waitingForMac("pool empty"), "the server is asked only after the read");
    }

    @Test
    void aWriteBeginsOnceAndNeverAgain() {
        flash();
        job.otpRead(new OtpReading.Blank());
        assertTrue(inProgrammerStep(() -> job.otpWriteBegins(MAC)));
        assertTrue(job.programmerStarting());
        refused(() -> job.otpWriteBegins(MAC), "a second write of the same MAC");
        refused(() -> job.otpWriteBegins(OTHER), "a second write of another MAC");
        assertTrue(job.macWritten(MAC));
        refused(() -> job.otpWriteBegins(MAC), "a write after MAC_WRITTEN");
        refused(() -> job.macWritten(MAC), "MAC_WRITTEN twice");
        refused(() -> job.otpRead(new OtpReading.Blank()), "OTP is read once: a second blank read opens no second write");
    }

    @Test
    void aMacIsWrittenOnlyWhenItsWriteBeganAndVerifiedOnlyWhenWritten() {
        flash();
        job.otpRead(new OtpReading.Blank());
        refused(() -> job.macWritten(MAC), "MAC_WRITTEN without a begun write");
        refused(() -> job.macVerified(MAC), "MAC_VERIFIED without MAC_WRITTEN");
        refused(job::done, "done before the MAC is verified");
        assertTrue(inProgrammerStep(() -> job.otpWriteBegins(MAC)));
        refused(() -> job.macWritten(OTHER), "MAC_WRITTEN of another MAC than the one begun");
        refused(() -> job.macVerified(MAC), "MAC_VERIFIED before MAC_WRITTEN");
        job.macWritten(MAC);
        refused(() -> job.macVerified(OTHER), "MAC_VERIFIED of another MAC than the one written");
        assertTrue(job.macVerified(MAC));
    }

    @Test
    void aWriteBeginsOnlyWithinAProgrammerStep() {
        flash();
        job.otpRead(new OtpReading.Blank());
        refused(() -> job.otpWriteBegins(MAC), "no programmer step claimed");
    }

    @Test
    void aMacFoundInOtpIsNeverWrittenOnlyVerified() {
        flash();
        job.otpRead(new OtpReading.Holds(MAC));
        assertTrue(job.programmerStarting());
        refused(() -> job.otpWriteBegins(MAC), "OTP already holds a MAC");
        refused(() -> job.macVerified(OTHER), "verifies only the MAC it holds");
        assertTrue(job.macVerified(MAC));
        assertTrue(job.done());
        assertEquals(MAC.canonical(), events.get(events.size() - 1).getDone().getMac());
    }

    @Test
    void anUnusableOtpReadAllowsNeitherWriteNorVerify() {
        flash();
        job.otpRead(new OtpReading.Inconsistent("word 57 is written, word 58 is blank"));
        assertTrue(job.programmerStarting());
        refused(() -> job.otpWriteBegins(MAC), "inconsistent OTP");
        refused(() -> job.macVerified(MAC), "inconsistent OTP");
        assertTrue(job.failed(FailureReason.FAILURE_REASON_OTP_INCONSISTENT, "needs an engineer", List.of()));
    }

    @Test
    void otpIsReadOnlyAfterFlashing() {
        refused(() -> job.otpRead(new OtpReading.Blank()), "detected, not flashed");
        job.flashStarted("layout", "0".repeat(64), Path.of("log"));
        refused(() -> job.otpRead(new OtpReading.Blank()), "still flashing");
    }

    @Test
    void illegalStepsAreRefusedAndEmitNothing() {
        refused(job::done, "detected cannot be done");
        refused(() -> job.flashed(Duration.ZERO), "flashed without flashing");
        refused(() -> job.progress(new FlashProgressTracker.Progress("0x01", "fsbl", 1, 1)), "progress before flashing");
        job.flashStarted("layout", "0".repeat(64), Path.of("log"));
        refused(() -> job.flashStarted("layout", "0".repeat(64), Path.of("log")), "a board is flashed once");
        assertTrue(job.failed(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, "Error: Target device not found.",
                List.of("Error: Target device not found.")));
        assertEquals(FlashJobState.FLASH_JOB_STATE_FLASHING, events.get(2).getFailed().getFailedInState());
    }

    @Test
    void aRefusedImageFailsTheBoardBeforeItIsFlashedAndNamesTheRelease() {
        ReleasePin release = ReleasePin.newBuilder().setReleaseName("hub3-v1").setManifestSha256("a".repeat(64)).build();
        assertTrue(job.imageRefused("bootfs.ext4 differs from release hub3-v1", release));
        BoardEvent failed = events.get(events.size() - 1);
        assertEquals(FailureReason.FAILURE_REASON_IMAGE_MISMATCH, failed.getFailed().getReason());
        assertEquals("bootfs.ext4 differs from release hub3-v1; the board was not flashed", failed.getFailed().getMessage());
        assertEquals(FlashJobState.FLASH_JOB_STATE_DETECTED, failed.getFailed().getFailedInState());
        assertEquals("hub3-v1", failed.getFailed().getReleaseName());
        assertEquals("a".repeat(64), failed.getFailed().getManifestSha256());
        assertFalse(job.flashStarted("layout", "0".repeat(64), Path.of("log")), "a refused board is never flashed");
    }

    @Test
    void theImageIsCheckedOnlyBeforeFlashing() {
        ReleasePin release = ReleasePin.newBuilder().setReleaseName("hub3-v1").setManifestSha256("a".repeat(64)).build();
        assertTrue(job.flashStarted("FlashLayout_emmc.tsv", "0".repeat(64), Path.of("log"), Optional.of(release)));
        assertEquals("hub3-v1", events.get(1).getFlashStarted().getReleaseName());
        assertEquals("a".repeat(64), events.get(1).getFlashStarted().getManifestSha256());
        refused(() -> job.imageRefused("too late", release), "a flashing board's image was already checked");
    }

    @Test
    void aSettledJobRefusesLaterStepsQuietly() {
        job.flashStarted("layout", "0".repeat(64), Path.of("log"));
        job.failed(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, "Error: Target device not found.", List.of());
        int before = events.size();
        assertFalse(job.flashed(Duration.ZERO), "the job thread learns the job settled; no exception");
        assertFalse(job.failed(FailureReason.FAILURE_REASON_TIMEOUT, "again", List.of()));
        assertFalse(job.programmerStarting(), "a settled job runs no programmer step");
        assertEquals(before, events.size());
    }

    @Test
    void aBoardGoneWhileItsProgrammerRunsIsNotUnplugged() {
        job.flashStarted("layout", "0".repeat(64), Path.of("log"));
        assertTrue(job.programmerStarting());
        job.detached();
        assertFalse(job.absenceOutlastedGrace(), "re-enumerating, not unplugged");
        assertEquals(FlashJobState.FLASH_JOB_STATE_FLASHING, job.state());
        job.programmerStopped(List.of("Warning: Connection to device 0x500 is lost"));
        assertTrue(job.absenceOutlastedGrace());
        assertTrue(job.over());
        BoardEvent last = events.get(events.size() - 1);
        assertEquals(FlashJobState.FLASH_JOB_STATE_INTERRUPTED, last.getState());
        assertEquals(FlashJobState.FLASH_JOB_STATE_FLASHING, last.getInterrupted().getInterruptedInState());
        assertEquals(List.of("Warning: Connection to device 0x500 is lost"), last.getInterrupted().getProgrammerOutputTailList());
    }

    @Test
    void aFinishedBoardThatLeavesIsRemovedWithItsMac() {
        flash();
        job.otpRead(new OtpReading.Holds(MAC));
        job.macVerified(MAC);
        job.done();
        assertTrue(job.settled());
        assertFalse(job.over(), "settled, but the board is still on the hub");
        job.detached();
        assertTrue(job.absenceOutlastedGrace());
        BoardEvent removed = events.get(events.size() - 1);
        assertEquals(FlashJobState.FLASH_JOB_STATE_REMOVED, removed.getState());
        assertEquals(FlashJobState.FLASH_JOB_STATE_DONE, removed.getRemoved().getFinalState());
        assertEquals(MAC.canonical(), removed.getRemoved().getMac());
        assertTrue(job.over());
    }

    @Test
    void aSharedSerialFailsAnIdleJobAtOnce() {
        job.sharedSerial();
        assertEquals(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, events.get(events.size() - 1).getFailed().getReason());
        assertFalse(job.programmerStarting(), "a second board reports this serial: not even an OTP read");
    }

    @Test
    void aSharedSerialSeenWhileTheProgrammerRunsFailsTheJobAtItsNextStepAndNoMacIsWritten() {
        flash();
        job.otpRead(new OtpReading.Blank());
        assertTrue(job.programmerStarting());
        job.sharedSerial();
        assertFalse(job.settled(), "its programmer still runs");
        assertFalse(job.otpWriteBegins(MAC), "the write is refused");
        assertEquals(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, events.get(events.size() - 1).getFailed().getReason());
        assertTrue(events.stream().noneMatch(BoardEvent::hasMacWritten));
    }

    @Test
    void aJobFailedWhileWaitingForItsBoardDoesNotGoOnWhenTheBoardReturns() throws Exception {
        job.detached();
        Thread failer = new Thread(job::sharedSerial);
        failer.start();
        failer.join();
        job.attached();
        assertFalse(job.awaitBoard(Duration.ofSeconds(5)));
        assertFalse(job.programmerStarting());
    }

    @Test
    void aBoardThatStaysAwayPastTheGraceIsInterruptedByTheJobThreadToo() throws Exception {
        job.detached();
        assertFalse(job.awaitBoard(Duration.ofMillis(1)));
        assertEquals(FlashJobState.FLASH_JOB_STATE_INTERRUPTED, job.state());
        assertEquals(FlashJobState.FLASH_JOB_STATE_DETECTED, events.get(1).getInterrupted().getInterruptedInState());
    }

    @Test
    void aJobEmitsNothingUntilItIsAnnouncedAndIsAnnouncedOnce() {
        List<BoardEvent> emitted = new ArrayList<>();
        FlashJob fresh = unannounced(emitted);
        assertEquals(List.of(), emitted, "the watcher hands the job on before anything is written");
        assertEquals(FlashJobState.FLASH_JOB_STATE_UNSPECIFIED, fresh.state());
        assertTrue(fresh.detected());
        assertEquals(List.of(FlashJobState.FLASH_JOB_STATE_DETECTED), emitted.stream().map(BoardEvent::getState).toList());
        assertEquals("DFU in HS Mode", emitted.get(0).getDetected().getProduct());
        assertEquals(0xDF11, emitted.get(0).getDetected().getUsbProductId());
        assertThrows(FlashJob.IllegalTransitionException.class, fresh::detected);
        assertEquals(1, emitted.size(), "a second announcement emits nothing");
    }

    @Test
    void aSharedSerialHandedInBeforeTheAnnouncementFailsTheJobAsItIsAnnounced() {
        List<BoardEvent> emitted = new ArrayList<>();
        FlashJob fresh = unannounced(emitted);
        fresh.sharedSerial();
        assertEquals(List.of(), emitted, "no transition before the announcement");
        assertFalse(fresh.detected(), "the job does not go on");
        assertEquals(List.of(FlashJobState.FLASH_JOB_STATE_DETECTED, FlashJobState.FLASH_JOB_STATE_FAILED),
                emitted.stream().map(BoardEvent::getState).toList());
        assertEquals(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, emitted.get(1).getFailed().getReason());
        assertEquals(FlashJobState.FLASH_JOB_STATE_DETECTED, emitted.get(1).getFailed().getFailedInState());
        assertFalse(fresh.programmerStarting());
    }

    @Test
    void aBoardGoneBeforeItsAnnouncementHasItsAbsenceJudgedOnceAnnounced() {
        List<BoardEvent> emitted = new ArrayList<>();
        FlashJob fresh = unannounced(emitted);
        List<FlashJob> judged = new ArrayList<>();
        fresh.onAbsentWhenIdle(judged::add);
        fresh.detached();
        assertFalse(fresh.absenceOutlastedGrace(), "nothing to end before the announcement");
        assertEquals(List.of(), emitted);
        assertTrue(fresh.detected());
        assertEquals(List.of(fresh), judged, "its absence is judged again from the announcement on");
        assertTrue(fresh.absenceOutlastedGrace());
        assertEquals(FlashJobState.FLASH_JOB_STATE_DETECTED, emitted.get(1).getInterrupted().getInterruptedInState());
    }

    @Test
    void aDuplicateGoneBeforeItsAnnouncementIsRemovedOnceItFailsAsItIsAnnounced() {
        List<BoardEvent> emitted = new ArrayList<>();
        FlashJob fresh = unannounced(emitted);
        List<FlashJob> judged = new ArrayList<>();
        fresh.onAbsentWhenIdle(judged::add);
        fresh.sharedSerial();
        fresh.detached();
        assertFalse(fresh.absenceOutlastedGrace(), "nothing to end before the announcement");
        assertFalse(fresh.detected(), "the job does not go on");
        assertEquals(List.of(fresh), judged, "its absence is judged again, or the failed job would never be forgotten");
        assertTrue(fresh.absenceOutlastedGrace());
        assertEquals(List.of(FlashJobState.FLASH_JOB_STATE_DETECTED, FlashJobState.FLASH_JOB_STATE_FAILED, FlashJobState.FLASH_JOB_STATE_REMOVED),
                emitted.stream().map(BoardEvent::getState).toList());
        assertEquals(FlashJobState.FLASH_JOB_STATE_FAILED, emitted.get(2).getRemoved().getFinalState());
    }
}
