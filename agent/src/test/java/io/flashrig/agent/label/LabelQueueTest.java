package io.flashrig.agent.label;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.flashrig.agent.Eventually;
import io.flashrig.proto.rig.v1.BoardDone;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.MacVerified;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelQueueTest {

    private static final String SERIAL = "003C00473430511536383601";
    private static final String MAC = "04:D9:21:00:10:00";
    private static final String SERIAL_2 = "003C00473430511536383602";
    private static final String MAC_2 = "04:D9:21:00:10:01";

    @TempDir
    Path dir;

    private final List<LabelNotice> notices = new CopyOnWriteArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();

    @Test
    void aVerifiedMacGetsOneWellFormedLabelAndTheOtherEventsNone() throws Exception {
        try (FakeLabelPrinter printer = new FakeLabelPrinter(); LabelQueue queue = open(printer.uri(), 100)) {
            queue.accept(verified(SERIAL, MAC));
            queue.accept(done(SERIAL, MAC));
            await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == 1);
            String zpl = printer.received().get(0);
            ZplLabelTest.assertWellFormed(zpl);
            assertTrue(zpl.contains(SERIAL), zpl);
            assertTrue(zpl.contains("^FDMAC " + MAC + "^FS"), zpl);
            assertTrue(zpl.contains("^BQN"), zpl);
            assertTrue(zpl.contains("2026-12-07"), zpl);
            assertTrue(zpl.contains("rig-7"), zpl);
            await().atMost(Eventually.LIMIT).until(() -> states().contains(LabelNotice.State.PRINTED));
            assertEquals(List.of(LabelNotice.State.QUEUED, LabelNotice.State.PRINTED), states());
            assertEquals(0, queue.waiting());
        }
    }

    @Test
    void aLabelWaitsWhileThePrinterIsAwayAndIsPrintedOnceItComesUp() throws Exception {
        int port = FakeLabelPrinter.awayPort();
        try (LabelQueue queue = open("tcp://127.0.0.1:" + port, 100)) {
            queue.accept(verified(SERIAL, MAC));
            queue.accept(verified("003C00473430511536383602", "04:D9:21:00:10:01"));
            // Two refusals: the label waited through a retry, it was not dropped after the first.
            await().atMost(Eventually.LIMIT).until(() -> attempts.get() >= 2);
            assertEquals(2, queue.waiting());
            assertEquals(LabelNotice.State.QUEUED, notices.get(0).state());
            try (FakeLabelPrinter printer = new FakeLabelPrinter(port)) {
                await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == 2);
                assertTrue(printer.received().get(0).contains(SERIAL));
                assertTrue(printer.received().get(1).contains("003C00473430511536383602"));
                await().atMost(Eventually.LIMIT).until(() -> queue.waiting() == 0);
            }
        }
    }

    @Test
    void aRestartPrintsWhatWaitedAndNothingThatWasSent() throws Exception {
        int port = FakeLabelPrinter.awayPort();
        try (LabelQueue away = open("tcp://127.0.0.1:" + port, 100)) {
            away.accept(verified(SERIAL, MAC));
            await().atMost(Eventually.LIMIT).until(() -> attempts.get() >= 1);
        }
        try (FakeLabelPrinter printer = new FakeLabelPrinter(port)) {
            try (LabelQueue restarted = open(printer.uri(), 100)) {
                await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == 1);
                await().atMost(Eventually.LIMIT).until(() -> restarted.waiting() == 0);
            }
            notices.clear();
            try (LabelQueue again = open(printer.uri(), 100)) {
                // The same board and MAC once more (plugged in again): no second label; the next board gets its own.
                again.accept(verified(SERIAL, MAC));
                again.accept(verified("003C00473430511536383602", "04:D9:21:00:10:01"));
                await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == 2);
                await().atMost(Eventually.LIMIT).until(() -> notices.size() == 3);
            }
            assertEquals(new LabelNotice(SERIAL, MAC, LabelNotice.State.PRINTED, "printed before"), notices.get(0));
            assertTrue(printer.received().get(1).contains("003C00473430511536383602"));
            assertEquals(2, printer.received().size());
        }
    }

    @Test
    void aFullQueueDropsTheNewLabelAndSaysHowToReprintIt() throws Exception {
        int port = FakeLabelPrinter.awayPort();
        try (LabelQueue queue = open("tcp://127.0.0.1:" + port, 1)) {
            queue.accept(verified(SERIAL, MAC));
            queue.accept(verified("003C00473430511536383602", "04:D9:21:00:10:01"));
            await().atMost(Eventually.LIMIT).until(() -> notices.size() == 2);
            // Dropped at the door or by the printing thread, whichever saw the queue full first.
            LabelNotice dropped = notices.stream().filter(n -> n.serial().equals("003C00473430511536383602")).findFirst().orElseThrow();
            assertEquals(LabelNotice.State.DROPPED, dropped.state());
            assertTrue(dropped.detail().endsWith("reprint this one with flashrig-agent label 003C00473430511536383602"), dropped.detail());
            assertEquals(1, queue.waiting());
        }
    }

    @Test
    void theJournalStaysBoundedAndRemembersTheLatestLabelsSent() throws Exception {
        try (FakeLabelPrinter printer = new FakeLabelPrinter()) {
            try (LabelQueue queue = open(printer.uri(), 5, 3)) {
                for (int i = 1; i <= 40; i++) {
                    queue.accept(verified(String.format("003C004734305115363836%02d", i), String.format("04:D9:21:00:10:%02X", i)));
                    int printed = i;
                    await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == printed);
                }
                await().atMost(Eventually.LIMIT).until(() -> queue.waiting() == 0);
            }
            // Rewritten whenever it outgrows twice what it keeps (the last 3 sent, at most 5 waiting, the rig's name).
            long lines = Files.readAllLines(dir.resolve("label-queue")).size();
            assertTrue(lines <= 2 * (5 + 3) + 16, lines + " lines");
            notices.clear();
            try (LabelQueue again = open(printer.uri(), 5, 3)) {
                again.accept(verified("003C00473430511536383640", "04:D9:21:00:10:28"));
                await().atMost(Eventually.LIMIT).until(() -> notices.size() == 1);
            }
            assertEquals(new LabelNotice("003C00473430511536383640", "04:D9:21:00:10:28", LabelNotice.State.PRINTED, "printed before"),
                    notices.get(0));
            assertEquals(40, printer.received().size());
        }
    }

    @Test
    void aLineTornByACrashIsLeftOutAndTheRestKept() throws Exception {
        Files.writeString(dir.resolve("label-queue"), "Q\t" + SERIAL + "\t" + MAC + "\t1796601600000\trig-7\nS\t003C0047", StandardCharsets.UTF_8);
        try (FakeLabelPrinter printer = new FakeLabelPrinter(); LabelQueue queue = open(printer.uri(), 100)) {
            await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == 1);
            assertTrue(printer.received().get(0).contains(SERIAL));
        }
    }

    /** The printer holds the first label mid-print; the second waits in the queue behind it. */
    private LabelQueue secondLabelWaitingBehindAHeldPrint(HeldPrinter held) throws Exception {
        LabelQueue queue = open(held, 100, 1000);
        queue.accept(verified(SERIAL, MAC));
        held.printing.await();
        queue.accept(verified(SERIAL_2, MAC_2));
        return queue;
    }

    @Test
    void aLabelHandedInWhileTheLastOneIsPrintingAtCloseIsPrintedAfterTheRestart() throws Exception {
        HeldPrinter held = new HeldPrinter();
        LabelQueue queue = secondLabelWaitingBehindAHeldPrint(held);
        Thread closing = new Thread(queue::close, "closing");
        closing.start();
        // close() waits for the print under way; then the printer takes the first label.
        await().atMost(Eventually.LIMIT).until(() -> closing.getState() == Thread.State.TIMED_WAITING);
        held.release.countDown();
        closing.join();
        try (FakeLabelPrinter printer = new FakeLabelPrinter(); LabelQueue restarted = open(printer.uri(), 100)) {
            await().atMost(Eventually.LIMIT).until(() -> restarted.waiting() == 0 && printer.received().size() == 1);
            assertTrue(printer.received().get(0).contains(SERIAL_2), printer.received().get(0));
        }
    }

    @Test
    void aLabelThePrinterStillHoldsWhenCloseStopsWaitingIsPrintedAgainAfterTheRestartAndNoneIsLost() throws Exception {
        HeldPrinter held = new HeldPrinter();
        LabelQueue queue = secondLabelWaitingBehindAHeldPrint(held);
        queue.close(Duration.ofMillis(50));
        // The printer takes the label only now, with the queue closed: its mark cannot reach the journal.
        held.release.countDown();
        await().atMost(Eventually.LIMIT).until(() -> states().contains(LabelNotice.State.PRINTED));
        try (FakeLabelPrinter printer = new FakeLabelPrinter(); LabelQueue restarted = open(printer.uri(), 100)) {
            await().atMost(Eventually.LIMIT).until(() -> restarted.waiting() == 0 && printer.received().size() == 2);
            assertTrue(printer.received().get(0).contains(SERIAL), printer.received().get(0));
            assertTrue(printer.received().get(1).contains(SERIAL_2), printer.received().get(1));
        }
    }

    @Test
    void aPrintThatEndsAfterCloseWritesNothingMoreToTheJournal() throws Exception {
        // Capacity 2 and 3 remembered: rewritten once it outgrows 2 * (2 + 1) + 16 = 22 lines. Ten labels printed make
        // 21 (the rig's name, and a queued and a sent line each), the eleventh queued 22, and the twelfth, kept by
        // close(), 23: the eleventh's mark would be the one to rewrite it.
        HeldPrinter held = new HeldPrinter(11);
        LabelQueue queue = open(held, 2, 1);
        for (int i = 1; i <= 11; i++) {
            queue.accept(verified(String.format("003C004734305115363836%02d", i), String.format("04:D9:21:00:10:%02X", i)));
            int handedIn = i;
            await().atMost(Eventually.LIMIT).until(() -> held.received.size() == handedIn);
        }
        held.printing.await();
        queue.accept(verified("003C00473430511536383612", "04:D9:21:00:10:0C"));
        queue.close(Duration.ofMillis(50));
        Path journal = dir.resolve("label-queue");
        List<String> atClose = Files.readAllLines(journal);
        held.release.countDown();
        await().atMost(Eventually.LIMIT).until(() -> !held.thread.isAlive());
        assertEquals(atClose, Files.readAllLines(journal));
        try (FakeLabelPrinter printer = new FakeLabelPrinter(); LabelQueue restarted = open(printer.uri(), 2, 1)) {
            await().atMost(Eventually.LIMIT).until(() -> restarted.waiting() == 0 && printer.received().size() == 2);
            assertTrue(printer.received().get(0).contains("003C00473430511536383611"), printer.received().get(0));
            assertTrue(printer.received().get(1).contains("003C00473430511536383612"), printer.received().get(1));
        }
    }

    @Test
    void labelsHandedInWhileThePrinterHoldsTheQueueStayWithinItsCapacity() throws Exception {
        HeldPrinter held = new HeldPrinter();
        try (LabelQueue queue = open(held, 3, 1000)) {
            queue.accept(verified(SERIAL, MAC));
            held.printing.await();
            for (int i = 2; i <= 5; i++) {
                queue.accept(verified(String.format("003C004734305115363836%02d", i), String.format("04:D9:21:00:10:%02X", i)));
            }
            assertEquals(3, queue.waiting());
            List<LabelNotice> dropped = notices.stream().filter(n -> n.state() == LabelNotice.State.DROPPED).toList();
            assertEquals(List.of("003C00473430511536383604", "003C00473430511536383605"), dropped.stream().map(LabelNotice::serial).toList());
            assertTrue(dropped.get(0).detail().endsWith("reprint this one with flashrig-agent label 003C00473430511536383604"),
                    dropped.get(0).detail());
            held.release.countDown();
        }
    }

    @Test
    void anErrorWhilePrintingLeavesTheLabelQueuedAndItIsPrintedOnTheRetry() throws Exception {
        try (FakeLabelPrinter printer = new FakeLabelPrinter();
                LabelQueue queue = open(new FailingOnce(new AssertionError("a layout bug"), printer.uri()), 100, 1000)) {
            queue.accept(verified(SERIAL, MAC));
            await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == 1);
            await().atMost(Eventually.LIMIT).until(() -> queue.waiting() == 0);
        }
    }

    @Test
    void aPrintingThreadThatDiedIsStartedAgainByTheNextLabel() throws Exception {
        try (FakeLabelPrinter printer = new FakeLabelPrinter();
                LabelQueue queue = open(new FailingOnce(new StackOverflowError(), printer.uri()), 100, 1000)) {
            queue.accept(verified(SERIAL, MAC));
            await().atMost(Eventually.LIMIT).until(() -> attempts.get() == 1);
            queue.accept(verified(SERIAL_2, MAC_2));
            await().atMost(Eventually.LIMIT).until(() -> printer.received().size() == 2);
            assertTrue(printer.received().get(0).contains(SERIAL), printer.received().get(0));
            await().atMost(Eventually.LIMIT).until(() -> queue.waiting() == 0);
        }
    }

    @Test
    void closeWaitsLongerThanOnePrintCanTake() throws Exception {
        TcpLabelPrinter tcp = TcpLabelPrinter.at("tcp://127.0.0.1:" + FakeLabelPrinter.awayPort(), Duration.ofSeconds(5));
        assertEquals(Duration.ofSeconds(10), tcp.longestPrint(), "a connect and a write, each bounded by the printer's timeout");
        try (LabelQueue queue = open(tcp, 10, 10)) {
            assertTrue(queue.stopWait().compareTo(tcp.longestPrint()) > 0, queue.stopWait() + " for a print of up to " + tcp.longestPrint());
        }
    }

    /** A printer that hands every label on to {@code then}, which it stands for by name and time. */
    private abstract static class InFrontOf implements LabelPrinter {
        final LabelPrinter then;

        InFrontOf(LabelPrinter then) {
            this.then = then;
        }

        @Override
        public String name() {
            return then.name();
        }

        @Override
        public Duration longestPrint() {
            return then.longestPrint();
        }
    }

    /** A printer whose first label throws {@code first}, as a bug would; the labels after go to a real one. */
    private static final class FailingOnce extends InFrontOf {
        private final Error first;
        private final AtomicInteger calls = new AtomicInteger();

        FailingOnce(Error first, String printer) {
            super(TcpLabelPrinter.at(printer, Duration.ofSeconds(5)));
            this.first = first;
        }

        @Override
        public void print(String zpl) throws IOException {
            if (calls.incrementAndGet() == 1) {
                throw first;
            }
            then.print(zpl);
        }
    }

    /** A printer that takes labels at once, but holds the {@code heldAt}-th until the test lets it go. */
    private static final class HeldPrinter implements LabelPrinter {
        final CountDownLatch printing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> received = new CopyOnWriteArrayList<>();
        private final int heldAt;
        volatile Thread thread;

        HeldPrinter() {
            this(1);
        }

        HeldPrinter(int heldAt) {
            this.heldAt = heldAt;
        }

        @Override
        public void print(String zpl) throws IOException {
            received.add(zpl);
            if (received.size() != heldAt) {
                return;
            }
            thread = Thread.currentThread();
            printing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public String name() {
            return "held";
        }

        @Override
        public Duration longestPrint() {
            return Duration.ZERO;
        }
    }

    private LabelQueue open(String printer, int capacity) throws IOException {
        return open(printer, capacity, 1000);
    }

    private LabelQueue open(String printer, int capacity, int remembered) throws IOException {
        return open(TcpLabelPrinter.at(printer, Duration.ofSeconds(5)), capacity, remembered);
    }

    private LabelQueue open(LabelPrinter tcp, int capacity, int remembered) throws IOException {
        LabelPrinter counted = new InFrontOf(tcp) {
            @Override
            public void print(String zpl) throws IOException {
                try {
                    then.print(zpl);
                } finally {
                    attempts.incrementAndGet();
                }
            }
        };
        return LabelQueue.open(dir.resolve("label-queue"), new LabelQueue.Settings(capacity, remembered, Duration.ofMillis(20),
                Duration.ofMillis(200), ZoneOffset.UTC), counted, ZplLabel.builtIn(), () -> "rig-7", notices::add);
    }

    private List<LabelNotice.State> states() {
        return notices.stream().map(LabelNotice::state).toList();
    }

    private static BoardEvent verified(String serial, String mac) {
        return event(serial).setMacVerified(MacVerified.newBuilder().setMac(mac)).build();
    }

    private static BoardEvent done(String serial, String mac) {
        return event(serial).setState(FlashJobState.FLASH_JOB_STATE_DONE).setDone(BoardDone.newBuilder().setMac(mac)).build();
    }

    private static BoardEvent.Builder event(String serial) {
        Instant at = Instant.parse("2026-12-07T09:30:00Z");
        return BoardEvent.newBuilder().setSerial(serial).setState(FlashJobState.FLASH_JOB_STATE_FUSING)
                .setOccurredAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()));
    }
}
