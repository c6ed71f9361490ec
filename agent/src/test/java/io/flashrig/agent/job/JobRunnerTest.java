package io.flashrig.agent.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.contract.BoardSerial;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardEvent.ChangeCase;
import io.flashrig.proto.rig.v1.Slot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One board's job from start to end, against an in-memory programmer and MAC authority: no process, no server. */
class JobRunnerTest {

    private static final String SERIAL = "003C00473430511536383630";

    @TempDir
    Path dir;

    private final InMemoryProgrammer programmer = new InMemoryProgrammer();
    private final InMemoryMacAuthority macs = new InMemoryMacAuthority();

    private List<BoardEvent> run(boolean fuse) {
        FlashLayout layout = new FlashLayout(dir.resolve("FlashLayout_emmc.tsv"), "0".repeat(64), List.of());
        JobSettings settings = new JobSettings(layout, fuse, 1, Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMillis(100),
                Map.of(), lookAfter -> { });
        JobRunner runner = new JobRunner(programmer, macs, new OtpIntents(dir), settings, new Semaphore(1));
        List<BoardEvent> events = new ArrayList<>();
        FlashJob job = new FlashJob(SERIAL, Slot.newBuilder().setPowerUpOrder(1).build(), 0xDF11, "DFU in HS Mode", Clock.systemUTC(), events::add);
        runner.run(job, BoardSerial.fromUsb(SERIAL), dir.resolve("attempt.log"));
        return events;
    }

    private static List<ChangeCase> changes(List<BoardEvent> events) {
        return events.stream().map(BoardEvent::getChangeCase).filter(c -> c != ChangeCase.FLASH_PROGRESS).toList();
    }

    @Test
    void aBlankBoardIsFlashedAndItsAssignedMacIsWrittenOnceAndVerified() {
        List<BoardEvent> events = run(true);
        assertEquals(List.of(ChangeCase.DETECTED, ChangeCase.FLASH_STARTED, ChangeCase.FLASHED, ChangeCase.OTP_READ, ChangeCase.MAC_WRITTEN,
                ChangeCase.MAC_VERIFIED, ChangeCase.DONE), changes(events));
        assertEquals(macs.assigned(SERIAL).canonical(), events.get(events.size() - 1).getDone().getMac());
        assertEquals(1, programmer.board(SERIAL).otpWrites.get());
    }

    @Test
    void aBoardWhoseMacIsAlreadyInOtpIsVerifiedAndNeverWrittenAgain() {
        run(true);
        List<BoardEvent> again = run(true);
        assertEquals(List.of(ChangeCase.DETECTED, ChangeCase.FLASH_STARTED, ChangeCase.FLASHED, ChangeCase.OTP_READ, ChangeCase.MAC_VERIFIED,
                ChangeCase.DONE), changes(again));
        assertEquals(macs.assigned(SERIAL).canonical(), again.get(again.size() - 1).getDone().getMac());
        assertEquals(1, programmer.board(SERIAL).otpWrites.get(), "OTP words are written once, ever");
        assertEquals(2, programmer.board(SERIAL).flashes.get());
    }

    @Test
    void aFlashOnlyRigNeitherAsksForNorWritesAMac() {
        List<BoardEvent> events = run(false);
        assertEquals(List.of(ChangeCase.DETECTED, ChangeCase.FLASH_STARTED, ChangeCase.FLASHED, ChangeCase.DONE), changes(events));
        assertEquals("", events.get(events.size() - 1).getDone().getMac());
        assertEquals(0, macs.calls.get());
        assertEquals(0, programmer.board(SERIAL).otpWrites.get());
    }
}
