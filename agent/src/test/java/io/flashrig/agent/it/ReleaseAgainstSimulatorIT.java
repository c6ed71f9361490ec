package io.flashrig.agent.it;

import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DONE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.Eventually;
import io.flashrig.agent.link.TestRigServer;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.agent.release.ImageHashes;
import io.flashrig.agent.release.LocalImage;
import io.flashrig.agent.release.PinStore;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.ReleaseManifest;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.simulator.SimulatedBoard;
import io.flashrig.simulator.SimulatedHub;
import io.flashrig.simulator.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release check in the real job code against the simulated programmer: a wrong image never reaches a board. */
class ReleaseAgainstSimulatorIT {

    @TempDir
    Path dir;

    private SimulatedHub hub;
    private FlashLayout layout;
    private TestRigServer server;
    private final AtomicInteger flashes = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        hub = new SimulatedHub(dir.resolve("hub"));
        layout = SimulatedRig.layout(dir.resolve("images"));
        server = new TestRigServer().start();
    }

    @AfterEach
    void tearDown() throws Exception {
        server.stop();
    }

    static ReleasePin pin(ReleaseManifest manifest) {
        return ReleasePin.newBuilder().setReleaseName(manifest.name()).setManifestSha256(manifest.sha256())
                .setLayoutName(manifest.layout()).putAllFileSha256(manifest.files()).build();
    }

    private SimulatedRig rig(ImageGate gate) throws Exception {
        return new SimulatedRig(dir.resolve("hub"), dir.resolve("state"), layout, server, 4, Duration.ofMinutes(5),
                real -> new Counting(real, flashes), gate);
    }

    private ImageGate gatePinnedTo(ReleaseManifest manifest) throws Exception {
        ImageGate gate = new ImageGate(layout, Optional.empty(), new ImageHashes(), Optional.of(new PinStore(dir.resolve("pin"))));
        gate.pinned(Optional.of(pin(manifest)));
        return gate;
    }

    @Test
    void theReleasesImageIsFlashedAndTheFlashNamesTheRelease() throws Exception {
        ReleaseManifest manifest = LocalImage.manifest(layout, Optional.of("hub3-v1"), new ImageHashes());
        String serial = "003C00473430511536385201";
        try (SimulatedRig rig = rig(gatePinnedTo(manifest))) {
            hub.plug(SimulatedBoard.normal(serial, "1-1.1").withTimes(1500, 600));
            await("the board ends").atMost(Eventually.LIMIT).until(() -> rig.settled(serial));
            assertTrue(rig.reached(serial, FLASH_JOB_STATE_DONE), () -> rig.last(serial).toString());
            BoardEvent started = rig.of(serial).stream().filter(BoardEvent::hasFlashStarted).findFirst().orElseThrow();
            assertEquals("hub3-v1", started.getFlashStarted().getReleaseName());
            assertEquals(manifest.sha256(), started.getFlashStarted().getManifestSha256());
            assertEquals(1, flashes.get());
        }
    }

    @Test
    void aChangedBinaryStopsTheFlashBeforeTheProgrammerRuns() throws Exception {
        ReleaseManifest manifest = LocalImage.manifest(layout, Optional.of("hub3-v1"), new ImageHashes());
        ImageGate gate = gatePinnedTo(manifest);
        // Someone copies another build's bootfs next to the right layout.
        byte[] other = new byte[8192];
        other[100] = 42;
        Files.write(dir.resolve("images").resolve("bootfs.ext4"), other);
        Files.setLastModifiedTime(dir.resolve("images").resolve("bootfs.ext4"),
                FileTime.fromMillis(System.currentTimeMillis() + 5000));
        String serial = "003C00473430511536385202";
        try (SimulatedRig rig = rig(gate)) {
            hub.plug(SimulatedBoard.normal(serial, "1-1.2").withTimes(1500, 600));
            await("the board ends").atMost(Eventually.LIMIT).until(() -> rig.settled(serial));
            BoardEvent failed = rig.last(serial);
            assertEquals(FailureReason.FAILURE_REASON_IMAGE_MISMATCH, failed.getFailed().getReason(), failed::toString);
            assertTrue(failed.getFailed().getMessage().startsWith("bootfs.ext4 differs from release hub3-v1"), failed.getFailed().getMessage());
            assertEquals("hub3-v1", failed.getFailed().getReleaseName());
            assertEquals(manifest.sha256(), failed.getFailed().getManifestSha256());
            assertTrue(rig.of(serial).stream().noneMatch(BoardEvent::hasFlashStarted));
            assertEquals(0, flashes.get(), "the programmer never flashed");
            assertEquals(Stage.ROM, hub.board(serial).orElseThrow().stage(), "the board is still in its ROM: nothing was written");
        }
    }

    @Test
    void aRetiredReleaseFlashesNothing() throws Exception {
        ReleaseManifest manifest = LocalImage.manifest(layout, Optional.of("hub3-v1"), new ImageHashes());
        ImageGate gate = gatePinnedTo(manifest);
        gate.pinned(Optional.of(pin(manifest).toBuilder().setRetired(true).build()));
        String serial = "003C00473430511536385203";
        try (SimulatedRig rig = rig(gate)) {
            hub.plug(SimulatedBoard.normal(serial, "1-1.3").withTimes(1500, 600));
            await("the board ends").atMost(Eventually.LIMIT).until(() -> rig.settled(serial));
            assertEquals(FailureReason.FAILURE_REASON_IMAGE_MISMATCH, rig.last(serial).getFailed().getReason());
            assertTrue(rig.last(serial).getFailed().getMessage().contains("release hub3-v1 is retired"));
            assertEquals(0, flashes.get());
        }
    }

    /** The real programmer, counting flashes. */
    private record Counting(Programmer real, AtomicInteger flashes) implements ForwardingProgrammer {
        @Override
        public ProgrammerRun flash(BoardSerial serial, FlashLayout layout, Path log, Consumer<String> lines) throws InterruptedException {
            flashes.incrementAndGet();
            return real.flash(serial, layout, log, lines);
        }
    }
}
