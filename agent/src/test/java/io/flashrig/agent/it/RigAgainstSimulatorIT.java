package io.flashrig.agent.it;

import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DONE;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FAILED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_INTERRUPTED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_WAITING_FOR_MAC;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.Eventually;
import io.flashrig.agent.link.TestRigServer;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.agent.usb.BoardWatcherEvent;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.simulator.Behaviour;
import io.flashrig.simulator.BoardState;
import io.flashrig.simulator.SimulatedBoard;
import io.flashrig.simulator.SimulatedHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real agent code against the simulated programmer and hub: it spawns the simulator as programmer processes. */
class RigAgainstSimulatorIT {

    @TempDir
    Path dir;

    private SimulatedHub hub;
    private FlashLayout layout;
    private TestRigServer server;

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

    private SimulatedRig rig(int parallel, Duration flashTimeout) throws Exception {
        return new SimulatedRig(dir.resolve("hub"), dir.resolve("state"), layout, server, parallel, flashTimeout, UnaryOperator.identity());
    }

    private static String serial(int n) {
        return String.format("003C0047343051153638%04X", n);
    }

    private BoardState board(String serial) {
        return hub.board(serial).orElseThrow();
    }

    @Test
    void sixteenBoardsAreFlashedConcurrentlyAndEachGetsItsOwnMacOnce() throws Exception {
        List<String> serials = IntStream.rangeClosed(1, 16).mapToObj(RigAgainstSimulatorIT::serial).toList();
        try (SimulatedRig rig = rig(16, Duration.ofMinutes(5))) {
            for (int i = 0; i < serials.size(); i++) {
                hub.plug(SimulatedBoard.normal(serials.get(i), "1-1." + (i + 1)).withTimes(8000, 600));
            }
            await("all 16 boards end").atMost(Eventually.LIMIT).until(() -> serials.stream().allMatch(s -> rig.settled(s)));
            for (String s : serials) {
                assertTrue(rig.reached(s, FLASH_JOB_STATE_DONE), () -> s + " ended " + rig.last(s));
                MacAddress mac = server.assigned().get(s);
                assertEquals(mac.canonical(), rig.last(s).getDone().getMac());
                assertEquals(mac, MacAddress.fromOtpWords(board(s).otp57(), board(s).otp58()));
                assertEquals(1, board(s).otp57Writes());
                assertEquals(1, board(s).otp58Writes());
            }
            assertEquals(16, server.assigned().values().stream().distinct().count(), "16 distinct MACs");
            int firstFlashed = indexOf(rig.events, BoardEvent::hasFlashed);
            long startedBefore = rig.events.subList(0, firstFlashed).stream().filter(BoardEvent::hasFlashStarted).count();
            assertEquals(16, startedBefore, "all 16 programmers ran at once: every flash started before the first ended");
            assertEquals(IntStream.rangeClosed(1, 16).boxed().toList(),
                    rig.events.stream().filter(BoardEvent::hasDetected).map(e -> e.getSlot().getPowerUpOrder()).sorted().toList(),
                    "power-up orders 1..16, none reused");
        }
    }

    @Test
    void aReenumeratingBoardIsFlashedOnce() throws Exception {
        String s = serial(0x21);
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            // Off the bus long enough for a listing (a programmer process) to see the gap on a busy machine.
            hub.plug(SimulatedBoard.normal(s, "1-2").withBehaviour(Behaviour.REENUMERATE).withTimes(4000, 10_000));
            await("the board ends").atMost(Eventually.LIMIT).until(() -> rig.settled(s));
            assertTrue(rig.reached(s, FLASH_JOB_STATE_DONE), () -> rig.last(s).toString());
            assertTrue(rig.watched.stream().anyMatch(e -> e instanceof BoardWatcherEvent.Detached d && d.board().serial().equals(s)),
                    "the watcher saw the board leave the bus while it re-enumerated");
            List<BoardEvent> mine = rig.of(s);
            assertEquals(1, mine.stream().filter(BoardEvent::hasDetected).count(), "one job");
            assertEquals(1, mine.stream().filter(BoardEvent::hasFlashStarted).count(), "flashed once");
            assertEquals(1, mine.stream().map(BoardEvent::getAttemptId).distinct().count());
            assertEquals(1, board(s).otp57Writes());
        }
    }

    @Test
    void aBoardUnpluggedWhileFlashingIsReportedInterrupted() throws Exception {
        String s = serial(0x31);
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            hub.plug(SimulatedBoard.normal(s, "1-3").withTimes(30000, 600));
            await("flashing is under way").atMost(Eventually.LIMIT).until(() -> rig.of(s).stream().anyMatch(BoardEvent::hasFlashProgress));
            hub.unplug(s);
            await("the job ends").atMost(Eventually.LIMIT).until(() -> rig.reached(s, FLASH_JOB_STATE_INTERRUPTED) || rig.reached(s, FLASH_JOB_STATE_FAILED));
            BoardEvent last = rig.last(s);
            assertTrue(last.hasInterrupted(), last::toString);
            assertEquals(io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FLASHING, last.getInterrupted().getInterruptedInState());
        }
    }

    @Test
    void aHungProgrammerIsKilledByTheTimeout() throws Exception {
        String s = serial(0x41);
        // The timeout counts from the programmer's start, a JVM start here: enough for it to print before it hangs.
        try (SimulatedRig rig = rig(8, Duration.ofSeconds(15))) {
            hub.plug(SimulatedBoard.normal(s, "1-4").withBehaviour(Behaviour.HANG));
            await("the hung flash fails").atMost(Eventually.LIMIT).until(() -> rig.reached(s, FLASH_JOB_STATE_FAILED));
            assertEquals(FailureReason.FAILURE_REASON_TIMEOUT, rig.last(s).getFailed().getReason());
            assertFalse(rig.last(s).getFailed().getProgrammerOutputTailList().isEmpty(), "the output before the hang is kept");
            assertTrue(ProcessHandle.current().descendants().noneMatch(p -> p.info().commandLine().orElse("").contains("sn=" + s)),
                    "no programmer process for the board survives");
        }
    }

    @Test
    void exitZeroWithAnErrorLineIsAFailureAndNoMacIsWritten() throws Exception {
        String s = serial(0x51);
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            hub.plug(SimulatedBoard.normal(s, "1-5").withBehaviour(Behaviour.EXIT_ZERO_WITH_ERROR));
            await("the job ends").atMost(Eventually.LIMIT).until(() -> rig.settled(s));
            BoardEvent last = rig.last(s);
            assertEquals(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, last.getFailed().getReason(), last::toString);
            assertTrue(last.getFailed().getMessage().startsWith("Error:"), last.getFailed().getMessage());
            assertEquals(0, board(s).otp57Writes());
            assertFalse(server.assigned().containsKey(s), "no MAC was asked for");
        }
    }

    @Test
    void aMacInOtpThatBelongsToAnotherBoardFailsTheBoardWithoutWriting() throws Exception {
        String s = serial(0x61);
        MacAddress other = server.assignFor(serial(0x62));
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            hub.plug(SimulatedBoard.normal(s, "1-6").withMac(other.canonical().toLowerCase()));
            await("the job ends").atMost(Eventually.LIMIT).until(() -> rig.settled(s));
            assertEquals(FailureReason.FAILURE_REASON_MAC_CONFLICT, rig.last(s).getFailed().getReason(), () -> rig.last(s).toString());
            assertEquals(0, board(s).otp57Writes());
            assertEquals(0, board(s).otp58Writes());
        }
    }

    @Test
    void aBlankBoardWhoseSerialTheServerHasSeenFusedIsNotWritten() throws Exception {
        // Fuses cannot be unburnt: blank OTP under a fused serial means a second chip reports the same serial.
        String s = serial(0x63);
        server.assignFor(s);
        server.markFused(s);
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            hub.plug(SimulatedBoard.normal(s, "1-7"));
            await("the job ends").atMost(Eventually.LIMIT).until(() -> rig.settled(s));
            assertEquals(FailureReason.FAILURE_REASON_MAC_CONFLICT, rig.last(s).getFailed().getReason(), () -> rig.last(s).toString());
            assertEquals(0, board(s).otp57Writes());
            assertEquals(0, board(s).otp58Writes());
        }
    }

    @Test
    void aBoardWaitsVisiblyForItsMacWhileTheServerIsAway() throws Exception {
        String s = serial(0x71);
        server.stop();
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            hub.plug(SimulatedBoard.normal(s, "1-7"));
            await("the board waits for its MAC").atMost(Eventually.LIMIT).until(() -> rig.reached(s, FLASH_JOB_STATE_WAITING_FOR_MAC));
            assertEquals(0, board(s).otp57Writes());
            server.start();
            await("the job ends").atMost(Eventually.LIMIT).until(() -> rig.settled(s));
            assertTrue(rig.reached(s, FLASH_JOB_STATE_DONE), () -> rig.last(s).toString());
            assertEquals(1, board(s).otp57Writes());
        }
    }

    @Test
    void noOtpWordIsWrittenTwiceWhenTheAgentDiesBetweenWriteAndAcknowledgement() throws Exception {
        String s = serial(0x81);
        hub.plug(SimulatedBoard.normal(s, "1-8"));
        // The first agent dies right after the programmer wrote OTP, before anything else is recorded or sent.
        try (SimulatedRig first = new SimulatedRig(dir.resolve("hub"), dir.resolve("state"), layout, server, 8, Duration.ofMinutes(5),
                real -> new DyingAtWrite(real, true))) {
            // Its programmer call never returns, so nothing after the write is recorded or sent: what kill -9 leaves.
            await("the first agent wrote the MAC").atMost(Eventually.LIMIT).until(() -> board(s).otp57Writes() == 1);
        }
        try (SimulatedRig second = rig(8, Duration.ofMinutes(5))) {
            await("the second agent ends the job").atMost(Eventually.LIMIT).until(() -> second.settled(s));
            assertTrue(second.reached(s, FLASH_JOB_STATE_DONE), () -> second.last(s).toString());
            assertFalse(second.of(s).stream().anyMatch(BoardEvent::hasMacWritten), "the second agent wrote nothing");
            assertEquals(server.assigned().get(s).canonical(), second.last(s).getDone().getMac());
        }
        assertEquals(1, board(s).otp57Writes());
        assertEquals(1, board(s).otp58Writes());
        assertFalse(board(s).bricked());
    }

    @Test
    void aSerialWhoseMacWriteAnotherBoardClaimedIsNotWritten() throws Exception {
        String s = serial(0xA3);
        server.claimedElsewhere(s);
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            hub.plug(SimulatedBoard.normal(s, "1-13"));
            await("the job ends").atMost(Eventually.LIMIT).until(() -> rig.settled(s));
            assertEquals(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, rig.last(s).getFailed().getReason(), () -> rig.last(s).toString());
            assertTrue(rig.last(s).getFailed().getMessage().contains("rig-2"), () -> rig.last(s).toString());
        }
        assertEquals(0, board(s).otp57Writes());
    }

    @Test
    void anAgentStoppedBetweenClaimAndWriteResumesItsClaimAndWritesOnce() throws Exception {
        String s = serial(0xA4);
        hub.plug(SimulatedBoard.normal(s, "1-14"));
        try (SimulatedRig first = new SimulatedRig(dir.resolve("hub"), dir.resolve("state"), layout, server, 8, Duration.ofMinutes(5),
                real -> new DyingAtWrite(real, false))) {
            await("the first agent claimed the write").atMost(Eventually.LIMIT).until(() -> server.claims(s) == 1);
        }
        String claim = server.writeId(s);
        assertEquals(0, board(s).otp57Writes(), "the first agent wrote nothing");
        try (SimulatedRig second = rig(8, Duration.ofMinutes(5))) {
            await("the second agent ends the job").atMost(Eventually.LIMIT).until(() -> second.settled(s));
            assertTrue(second.reached(s, FLASH_JOB_STATE_DONE), () -> second.last(s).toString());
        }
        // The restarted agent claimed under the write id it had made durable, which the server recognised as its own.
        assertEquals(2, server.claims(s));
        assertEquals(claim, server.writeId(s));
        assertEquals(1, board(s).otp57Writes());
        assertEquals(1, board(s).otp58Writes());
    }

    @Test
    void twoBoardsWithOneSerialAreRefusedAndNeitherGetsAMac() throws Exception {
        String s = serial(0x91);
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            hub.plug(SimulatedBoard.normal(s, "1-9").withTimes(6000, 600));
            await("the first board is seen").atMost(Eventually.LIMIT).until(() -> rig.reached(s, io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DETECTED));
            rig.inject(new BoardWatcherEvent.Attached(new io.flashrig.agent.usb.UsbBoard("1-10", s, "1-10", 0xDF11, "DFU in HS Mode")));
            await("the job ends").atMost(Eventually.LIMIT).until(() -> rig.settled(s));
            assertEquals(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, rig.last(s).getFailed().getReason(), () -> rig.last(s).toString());
            assertEquals(0, board(s).otp57Writes());
            assertFalse(server.assigned().containsKey(s));
        }
    }

    @Test
    void anAllZeroSerialIsRefusedClearly() throws Exception {
        try (SimulatedRig rig = rig(8, Duration.ofMinutes(5))) {
            rig.inject(new BoardWatcherEvent.Attached(new io.flashrig.agent.usb.UsbBoard("1-11", "000000000000", "1-11", 0xDF11, "DFU in HS Mode")));
            BoardEvent failed = rig.last("000000000000");
            assertEquals(FailureReason.FAILURE_REASON_INVALID_SERIAL, failed.getFailed().getReason());
            assertEquals("The serial 000000000000 is all zeros and cannot tell one board from another. The board is not flashed.",
                    failed.getFailed().getMessage());
        }
    }

    /** A programmer whose agent is killed at the OTP write: the moment it returns ({@code writes}), or before it. */
    private record DyingAtWrite(Programmer real, boolean writes) implements ForwardingProgrammer {
        @Override
        public ProgrammerRun writeOtp(BoardSerial serial, MacAddress mac, Path log) throws InterruptedException {
            if (writes) {
                real.writeOtp(serial, mac, log);
            }
            // Stopped here until the agent is torn down (its threads interrupted), as kill -9 would stop it.
            Thread.sleep(Long.MAX_VALUE);
            throw new AssertionError("unreachable");
        }
    }

    private static int indexOf(List<BoardEvent> events, java.util.function.Predicate<BoardEvent> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event");
    }
}
