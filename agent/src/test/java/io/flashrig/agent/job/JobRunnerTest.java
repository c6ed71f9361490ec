package io.flashrig.agent.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.agent.release.ImageHashes;
import io.flashrig.agent.release.LocalImage;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.ReleaseManifest;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardEvent.ChangeCase;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.proto.rig.v1.Slot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        return run(fuse, layout, ImageGate.fixed(layout));
    }

    private List<BoardEvent> run(boolean fuse, FlashLayout layout, ImageGate images) {
        JobSettings settings = new JobSettings(layout, fuse, 1, Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMillis(100),
                Map.of(), lookAfter -> { }, images);
        JobRunner runner = new JobRunner(programmer, macs, new OtpIntents(dir), settings, new Semaphore(1));
        List<BoardEvent> events = new ArrayList<>();
        FlashJob job = new FlashJob(SERIAL, Slot.newBuilder().setPowerUpOrder(1).build(), 0xDF11, "DFU in HS Mode", Clock.systemUTC(), events::add);
        job.detected();
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

    /** A one-binary image on disk, and a gate pinned to the release made of it as it is now. */
    private ImageGate pinnedToTheImageAsItIs(FlashLayout layout) throws Exception {
        ReleaseManifest manifest = LocalImage.manifest(layout, Optional.of("hub3-v1"), new ImageHashes());
        ImageGate images = new ImageGate(layout, Optional.empty(), new ImageHashes(), Optional.empty());
        images.pinned(Optional.of(ReleasePin.newBuilder().setReleaseName(manifest.name()).setManifestSha256(manifest.sha256())
                .setLayoutName(manifest.layout()).putAllFileSha256(manifest.files()).build()));
        return images;
    }

    private FlashLayout image() throws Exception {
        Files.write(dir.resolve("tf-a.stm32"), new byte[2048]);
        Path tsv = dir.resolve("FlashLayout_emmc.tsv");
        Files.writeString(tsv, "#Opt\tId\tName\tType\tIP\tOffset\tBinary\n-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ttf-a.stm32\n");
        return FlashLayout.read(tsv);
    }

    @Test
    void theReleasesImageIsFlashedAndTheFlashNamesTheRelease() throws Exception {
        FlashLayout layout = image();
        List<BoardEvent> events = run(false, layout, pinnedToTheImageAsItIs(layout));
        assertEquals(List.of(ChangeCase.DETECTED, ChangeCase.FLASH_STARTED, ChangeCase.FLASHED, ChangeCase.DONE), changes(events));
        assertEquals("hub3-v1", events.get(1).getFlashStarted().getReleaseName());
    }

    @Test
    void anImageThatIsNotTheReleaseFailsTheBoardBeforeAnyProgrammerRuns() throws Exception {
        FlashLayout layout = image();
        ImageGate images = pinnedToTheImageAsItIs(layout);
        byte[] other = new byte[2048];
        other[7] = 1;
        Files.write(dir.resolve("tf-a.stm32"), other);
        Files.setLastModifiedTime(dir.resolve("tf-a.stm32"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        List<BoardEvent> events = run(true, layout, images);
        assertEquals(List.of(ChangeCase.DETECTED, ChangeCase.FAILED), changes(events));
        BoardFailed failed = events.get(1).getFailed();
        assertEquals(FailureReason.FAILURE_REASON_IMAGE_MISMATCH, failed.getReason());
        assertTrue(failed.getMessage().startsWith("tf-a.stm32 differs from release hub3-v1"), failed.getMessage());
        assertEquals("hub3-v1", failed.getReleaseName());
        assertEquals(0, programmer.board(SERIAL).flashes.get(), "the programmer never ran");
        assertEquals(0, macs.calls.get());
    }
}
