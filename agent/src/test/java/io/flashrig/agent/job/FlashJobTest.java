package io.flashrig.agent.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFlashed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.MacWritten;
import io.flashrig.proto.rig.v1.Slot;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlashJobTest {

    private final List<BoardEvent> events = new ArrayList<>();
    private final FlashJob job = new FlashJob("003C00473430511536383630", Slot.newBuilder().setPowerUpOrder(3).build(), 0xDF11,
            "DFU in HS Mode", Clock.systemUTC(), events::add);

    @Test
    void everyTransitionIsOneEvent() {
        job.transition(FlashJobState.FLASH_JOB_STATE_FLASHING, e -> e.setFlashStarted(FlashStarted.getDefaultInstance()));
        job.transition(FlashJobState.FLASH_JOB_STATE_FLASHED, e -> e.setFlashed(BoardFlashed.getDefaultInstance()));
        job.done("");
        assertEquals(List.of(FlashJobState.FLASH_JOB_STATE_DETECTED, FlashJobState.FLASH_JOB_STATE_FLASHING,
                FlashJobState.FLASH_JOB_STATE_FLASHED, FlashJobState.FLASH_JOB_STATE_DONE), events.stream().map(BoardEvent::getState).toList());
        assertEquals(4, events.stream().map(BoardEvent::getEventId).distinct().count());
        assertTrue(events.stream().allMatch(e -> e.getAttemptId().equals(job.attemptId()) && e.getSlot().getPowerUpOrder() == 3));
    }

    @Test
    void illegalTransitionsAreRefusedAndEmitNothing() {
        assertThrows(FlashJob.IllegalTransitionException.class,
                () -> job.transition(FlashJobState.FLASH_JOB_STATE_DONE, e -> e.setFlashed(BoardFlashed.getDefaultInstance())), "detected cannot be done");
        assertThrows(FlashJob.IllegalTransitionException.class,
                () -> job.transition(FlashJobState.FLASH_JOB_STATE_FLASHING, e -> e.setMacWritten(MacWritten.getDefaultInstance())),
                "a MAC write is no flashing event");
        job.fail(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, "Error: Target device not found.", List.of("Error: Target device not found."));
        assertThrows(FlashJob.IllegalTransitionException.class,
                () -> job.transition(FlashJobState.FLASH_JOB_STATE_FLASHING, e -> e.setFlashStarted(FlashStarted.getDefaultInstance())),
                "a failed job never flashes again");
        assertEquals(2, events.size());
        assertEquals(FlashJobState.FLASH_JOB_STATE_DETECTED, events.get(1).getFailed().getFailedInState());
    }

    @Test
    void aBoardGoneWhileItsProgrammerRunsIsNotUnplugged() {
        job.transition(FlashJobState.FLASH_JOB_STATE_FLASHING, e -> e.setFlashStarted(FlashStarted.getDefaultInstance()));
        job.programmerRunning(true, List.of());
        job.detached();
        assertFalse(job.leftTheHub(), "re-enumerating, not unplugged");
        assertEquals(FlashJobState.FLASH_JOB_STATE_FLASHING, job.state());
        job.programmerRunning(false, List.of("Warning: Connection to device 0x500 is lost"));
        assertTrue(job.leftTheHub());
        BoardEvent last = events.get(events.size() - 1);
        assertEquals(FlashJobState.FLASH_JOB_STATE_INTERRUPTED, last.getState());
        assertEquals(FlashJobState.FLASH_JOB_STATE_FLASHING, last.getInterrupted().getInterruptedInState());
        assertEquals(List.of("Warning: Connection to device 0x500 is lost"), last.getInterrupted().getProgrammerOutputTailList());
    }

    @Test
    void aFinishedBoardThatLeavesIsRemovedWithItsMac() {
        job.transition(FlashJobState.FLASH_JOB_STATE_FLASHING, e -> e.setFlashStarted(FlashStarted.getDefaultInstance()));
        job.transition(FlashJobState.FLASH_JOB_STATE_FLASHED, e -> e.setFlashed(BoardFlashed.getDefaultInstance()));
        job.done("04:D9:21:00:00:01");
        job.detached();
        assertTrue(job.leftTheHub());
        BoardEvent removed = events.get(events.size() - 1);
        assertEquals(FlashJobState.FLASH_JOB_STATE_REMOVED, removed.getState());
        assertEquals(FlashJobState.FLASH_JOB_STATE_DONE, removed.getRemoved().getFinalState());
        assertEquals("04:D9:21:00:00:01", removed.getRemoved().getMac());
    }

    @Test
    void noProgrammerStepStartsOnceTheSerialIsKnownToBeShared() throws Exception {
        assertTrue(job.startProgrammer());
        job.programmerRunning(false, List.of());
        job.markDuplicate();
        assertFalse(job.startProgrammer(), "a second board reports this serial: not even an OTP read");
        assertFalse(job.programmerRunning());
    }

    @Test
    void aJobFailedWhileWaitingForItsBoardDoesNotGoOnWhenTheBoardReturns() throws Exception {
        job.detached();
        Thread failer = new Thread(() -> job.fail(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, "shared serial", List.of()));
        failer.start();
        failer.join();
        job.attached();
        assertFalse(job.awaitPresent(java.time.Duration.ofSeconds(5)));
        assertFalse(job.startProgrammer());
    }
}
