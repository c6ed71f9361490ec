package io.flashrig.agent.job;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.flashrig.agent.Eventually;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.usb.BoardWatcherEvent;
import io.flashrig.agent.usb.UsbBoard;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the rig remembers of boards over a long run: a flash-only rig whose programmer flashes at once, in memory. */
class RigTest {

    private static final int AT_ONCE = 8;

    @TempDir
    Path dir;

    private final List<BoardEvent> events = new CopyOnWriteArrayList<>();
    private final InMemoryProgrammer programmer = new InMemoryProgrammer();
    private final InMemoryMacAuthority macs = new InMemoryMacAuthority();
    private Rig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = rig(events::add);
    }

    private Rig rig(Consumer<BoardEvent> sink) throws IOException {
        FlashLayout layout = new FlashLayout(dir.resolve("FlashLayout_emmc.tsv"), "0".repeat(64), List.of());
        // A short grace: these boards are unplugged for good, none re-enumerates.
        JobSettings settings = new JobSettings(layout, false, AT_ONCE, Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(1),
                Map.of(), lookAfter -> { });
        return new Rig(programmer, macs, StateDir.open(dir.resolve("state")), settings, Clock.systemUTC(), sink);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    @Test
    void boardsThatCameAndWentAreForgottenAndOrdersAreNeverReused() throws Exception {
        int boards = 0;
        for (int wave = 0; wave < 25; wave++) {
            List<UsbBoard> plugged = new ArrayList<>();
            for (int slot = 1; slot <= AT_ONCE; slot++) {
                UsbBoard board = board(serial(++boards), "1-1." + slot);
                plugged.add(board);
                rig.accept(new BoardWatcherEvent.Attached(board));
            }
            assertEquals(AT_ONCE, rig.boardsRemembered(), "the boards on the hub");
            awaitAll(plugged, FlashJobState.FLASH_JOB_STATE_DONE);
            plugged.forEach(b -> rig.accept(new BoardWatcherEvent.Detached(b)));
            awaitAll(plugged, FlashJobState.FLASH_JOB_STATE_REMOVED);
            assertEquals(0, rig.boardsRemembered(), "nothing is kept of boards that left the hub, after " + boards + " boards");
        }
        assertEquals(IntStream.rangeClosed(1, boards).boxed().toList(), detectedOrders(), "1, 2, 3… one per power-up, none reused");
        assertEquals(0, macs.calls.get(), "a flash-only rig asks for no MAC");
    }

    @Test
    void aBoardPluggedInAgainIsANewPowerUpWithTheNextOrder() throws Exception {
        UsbBoard first = board(serial(1), "1-1.1");
        UsbBoard other = board(serial(2), "1-1.2");
        rig.accept(new BoardWatcherEvent.Attached(first));
        rig.accept(new BoardWatcherEvent.Attached(other));
        awaitAll(List.of(first, other), FlashJobState.FLASH_JOB_STATE_DONE);
        rig.accept(new BoardWatcherEvent.Detached(first));
        awaitAll(List.of(first), FlashJobState.FLASH_JOB_STATE_REMOVED);

        rig.accept(new BoardWatcherEvent.Attached(first));
        await("the replugged board is detected again").atMost(Eventually.LIMIT).until(() -> detected(first).size() == 2);
        List<BoardEvent> detections = detected(first);
        assertEquals(1, detections.get(0).getSlot().getPowerUpOrder());
        assertEquals(3, detections.get(1).getSlot().getPowerUpOrder(), "after the 2 of the board that stayed, not its old 1");
        assertNotEquals(detections.get(0).getAttemptId(), detections.get(1).getAttemptId(), "a new flash attempt");
        assertEquals(2, rig.boardsRemembered());
    }

    @Test
    void theWatcherHandsOnEveryBoardOfAListingWhileTheirDetectedEventsWaitForTheDisk() throws Exception {
        rig.close();
        // A disk that takes no event until it is let go: every job waits in its detected event, as on a slow sync.
        CountDownLatch disk = new CountDownLatch(1);
        rig = rig(event -> {
            try {
                disk.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            events.add(event);
        });
        List<UsbBoard> listing = IntStream.rangeClosed(1, 16).mapToObj(n -> board(serial(n), "1-1." + n)).toList();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> listing.forEach(b -> rig.accept(new BoardWatcherEvent.Attached(b))));
        try {
            await("the watcher handed on all 16 boards of its listing").atMost(Eventually.LIMIT).until(watcher::isDone);
            watcher.join();
            assertEquals(List.of(), events, "no event got past the held disk");
            assertEquals(16, rig.boardsRemembered());
        } finally {
            disk.countDown();
        }
        awaitAll(listing, FlashJobState.FLASH_JOB_STATE_DONE);
        for (UsbBoard board : listing) {
            List<BoardEvent> mine = events.stream().filter(e -> e.getSerial().equals(board.serial())).toList();
            assertEquals(FlashJobState.FLASH_JOB_STATE_DETECTED, mine.get(0).getState(), "each board's story begins with its detection");
            assertEquals(1, mine.stream().filter(BoardEvent::hasDetected).count());
            assertEquals(listing.indexOf(board) + 1, mine.get(0).getSlot().getPowerUpOrder(), "orders follow the listing");
        }
    }

    @Test
    void aBoardSeenWhileTheRigStopsIsLeftAsItIs() {
        rig.close();
        // The watcher may still hand on a board after the job threads were shut down; it must not die of it.
        rig.accept(new BoardWatcherEvent.Attached(board(serial(1), "1-1.1")));
        assertEquals(List.of(), events, "no job runs for it");
    }

    private void awaitAll(List<UsbBoard> boards, FlashJobState state) throws InterruptedException {
        await(boards.size() + " boards reach " + FlashJob.name(state)).atMost(Eventually.LIMIT).until(() -> boards.stream().allMatch(b -> lastState(b) == state));
    }

    private FlashJobState lastState(UsbBoard board) {
        List<BoardEvent> mine = events.stream().filter(e -> e.getSerial().equals(board.serial())).toList();
        // A job thread may not have announced its board yet.
        return mine.isEmpty() ? FlashJobState.FLASH_JOB_STATE_UNSPECIFIED : mine.get(mine.size() - 1).getState();
    }

    private List<BoardEvent> detected(UsbBoard board) {
        return events.stream().filter(e -> e.getSerial().equals(board.serial()) && e.hasDetected()).toList();
    }

    private List<Integer> detectedOrders() {
        return events.stream().filter(BoardEvent::hasDetected).map(e -> e.getSlot().getPowerUpOrder()).sorted().toList();
    }

    private static UsbBoard board(String serial, String portPath) {
        return new UsbBoard(portPath, serial, portPath, 0xDF11, "DFU in HS Mode");
    }

    private static String serial(int n) {
        return String.format("003C004734305115%08X", n);
    }
}
