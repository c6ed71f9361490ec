package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.Eventually;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.WaitingForMac;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventQueueTest {

    @TempDir
    Path dir;

    /** A small event with its own id, as the job sends many. */
    static BoardEvent event(String id) {
        return BoardEvent.newBuilder().setEventId(id).setSerial("003C00473430511536383630")
                .setWaitingForMac(WaitingForMac.newBuilder().setMessage("server away")).build();
    }

    @Test
    void survivesAnAbruptStopWithItsIdAndSequences() throws Exception {
        EventQueue first = EventQueue.open(dir, 100);
        assertEquals(1, first.append(event("a")));
        assertEquals(2, first.append(event("b")));
        assertEquals(3, first.append(event("c")));
        first.acknowledge(1);
        // No close(): as after kill -9, only what append made durable counts.
        EventQueue second = EventQueue.open(dir, 100);
        assertEquals(first.queueId(), second.queueId());
        assertEquals(List.of("b", "c"), second.after(0, 10).stream().map(BoardEvent::getEventId).toList());
        assertEquals(4, second.append(event("d")));
        assertEquals(List.of(3L, 4L), second.after(2, 10).stream().map(BoardEvent::getSequence).toList());
        assertEquals(List.of(2L), second.after(0, 1).stream().map(BoardEvent::getSequence).toList(), "batches are bounded");
    }

    @Test
    void aRecordTornByPowerLossIsCutOffAndNothingElseIsLost() throws Exception {
        EventQueue first = EventQueue.open(dir, 100);
        first.append(event("a"));
        first.append(event("b"));
        byte[] torn = {0, 0, 0, 40, 1, 2, 3, 4, 9, 9};
        Files.write(dir.resolve("events.log"), torn, StandardOpenOption.APPEND);
        EventQueue second = EventQueue.open(dir, 100);
        assertEquals(List.of("a", "b"), second.after(0, 10).stream().map(BoardEvent::getEventId).toList());
        assertEquals(3, second.append(event("c")));
        assertEquals(List.of("a", "b", "c"), EventQueue.open(dir, 100).after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    @Test
    void sequencesNeverRepeatAfterEverythingWasAcknowledged() throws Exception {
        EventQueue first = EventQueue.open(dir, 100);
        first.append(event("a"));
        first.append(event("b"));
        first.acknowledge(99);
        assertEquals(0, first.size());
        assertEquals(2, first.acknowledged(), "never beyond what was queued");
        EventQueue second = EventQueue.open(dir, 100);
        assertEquals(3, second.append(event("c")));
    }

    @Test
    void whenFullOnlyProgressIsLeftOut() throws Exception {
        EventQueue queue = EventQueue.open(dir, 2);
        queue.append(event("a"));
        queue.append(event("b"));
        BoardEvent progress = BoardEvent.newBuilder().setEventId("p").setFlashProgress(FlashProgress.newBuilder().setOverallPercent(50)).build();
        assertEquals(0, queue.append(progress));
        assertEquals(3, queue.append(event("c")));
        assertTrue(queue.after(0, 10).stream().noneMatch(e -> e.getEventId().equals("p")));
    }

    @Test
    void jobsKeepAppendingWhileOneSyncsAndTheNextSyncCoversThemAll() throws Exception {
        HeldFirstSync held = new HeldFirstSync(false);
        EventQueue queue = EventQueue.open(dir, 100, held);
        ExecutorService jobs = Executors.newFixedThreadPool(3);
        try {
            Future<Long> first = jobs.submit(() -> queue.append(event("a")));
            await(held.started);
            Future<Long> second = jobs.submit(() -> queue.append(event("b")));
            Awaitility.await("a second event written while the first sync hangs").atMost(Eventually.LIMIT).until(() -> queue.lastSequence() == 2);
            Future<Long> third = jobs.submit(() -> queue.append(event("c")));
            Awaitility.await("a third event written while the first sync hangs").atMost(Eventually.LIMIT).until(() -> queue.lastSequence() == 3);
            assertEquals(List.of(), queue.after(0, 10), "nothing is offered for sending before it is durable");
            held.release.countDown();
            assertEquals(List.of(1L, 2L, 3L), List.of(first.get(10, TimeUnit.SECONDS), second.get(10, TimeUnit.SECONDS),
                    third.get(10, TimeUnit.SECONDS)));
        } finally {
            held.release.countDown();
            jobs.shutdownNow();
        }
        assertEquals(2, held.syncs.get(), "the two events written during the first sync were made durable by one more");
        assertEquals(List.of("a", "b", "c"), queue.after(0, 10).stream().map(BoardEvent::getEventId).toList());
        assertEquals(List.of("a", "b", "c"), EventQueue.open(dir, 100).after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    @Test
    void theLinksWaitDoesNotQueueBehindASyncInProgress() throws Exception {
        HeldFirstSync held = new HeldFirstSync(false);
        EventQueue queue = EventQueue.open(dir, 100, held);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Long> job = threads.submit(() -> queue.append(event("a")));
            await(held.started);
            // The link looks for events to send while a job's sync hangs: it must come back when its wait is over, free
            // to read the server's acknowledgements, instead of sleeping until the disk is done.
            Future<?> link = threads.submit(() -> {
                queue.awaitAfter(0, Duration.ofMillis(50));
                return null;
            });
            link.get(10, TimeUnit.SECONDS);
            assertFalse(job.isDone(), "the job's sync is still held");
            held.release.countDown();
            assertEquals(1L, job.get(10, TimeUnit.SECONDS));
        } finally {
            held.release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void anAppenderWaitingOnASyncThatFailsFailsWithItAndTheLinksNextWaitMakesBothEventsDurable() throws Exception {
        HeldFirstSync held = new HeldFirstSync(true);
        EventQueue queue = EventQueue.open(dir, 100, held);
        CompletableFuture<Long> first = new CompletableFuture<>();
        CompletableFuture<Long> second = new CompletableFuture<>();
        Thread leader = appender(queue, "a", first);
        await(held.started);
        Thread follower = appender(queue, "b", second);
        try {
            Awaitility.await("the second appender sleeps until the held sync ends").atMost(Eventually.LIMIT)
                    .until(() -> LockSupport.getBlocker(follower) == queue);
            held.release.countDown();
            ExecutionException led = assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS));
            assertInstanceOf(EventQueue.SyncFailed.class, led.getCause());
            // The sync it waited for failed: it is told so at once, instead of waiting on a failing disk for ever.
            ExecutionException waited = assertThrows(ExecutionException.class, () -> second.get(10, TimeUnit.SECONDS));
            assertInstanceOf(EventQueue.SyncFailed.class, waited.getCause());
        } finally {
            held.release.countDown();
            leader.join(10_000);
            follower.join(10_000);
        }
        assertEquals(List.of(), queue.after(0, 10), "neither is offered before it is durable");
        queue.awaitAfter(0, Duration.ofSeconds(5));
        assertEquals(List.of("a", "b"), queue.after(0, 10).stream().map(BoardEvent::getEventId).toList());
        assertEquals(1, held.syncs.get(), "the log was written anew, not merely synced again");
        assertEquals(List.of("a", "b"), EventQueue.open(dir, 100).after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    /** Appends {@code id} on a thread of its own, whose park the test can see. */
    private static Thread appender(EventQueue queue, String id, CompletableFuture<Long> appended) {
        Thread thread = new Thread(() -> {
            try {
                appended.complete(queue.append(event(id)));
            } catch (IOException | RuntimeException e) {
                appended.completeExceptionally(e);
            }
        }, "appender-" + id);
        thread.start();
        return thread;
    }

    @Test
    void anEventWhoseSyncFailedIsNotOfferedUntilALaterSyncSucceeds() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        EventQueue queue = EventQueue.open(dir, 100, firstSyncFails(syncs));
        assertThrows(EventQueue.SyncFailed.class, () -> queue.append(event("a")));
        assertEquals(List.of(), queue.after(0, 10));
        assertEquals(2, queue.append(event("b")));
        assertEquals(List.of(1L, 2L), queue.after(0, 10).stream().map(BoardEvent::getSequence).toList());
        assertEquals(1, syncs.get(), "after a failed sync the log is written anew, not merely synced again");
        assertEquals(List.of("a", "b"), EventQueue.open(dir, 100).after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    @Test
    void theLinksNextWaitRetriesAFailedSyncSoTheLastEventIsNotHeldBack() throws Exception {
        EventQueue queue = EventQueue.open(dir, 100, firstSyncFails(new AtomicInteger()));
        // The board's last event: nothing else will be appended to carry it.
        assertThrows(EventQueue.SyncFailed.class, () -> queue.append(event("done")));
        queue.awaitAfter(0, Duration.ofSeconds(5));
        assertEquals(List.of("done"), queue.after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    @Test
    void aSyncBrokenByAnUncheckedFailureIsRetriedByTheLinksNextWaitToo() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        EventQueue queue = EventQueue.open(dir, 100, log -> {
            if (syncs.incrementAndGet() == 1) {
                throw new UncheckedIOException(new IOException("Input/output error"));
            }
            log.force(false);
        });
        assertThrows(UncheckedIOException.class, () -> queue.append(event("done")));
        queue.awaitAfter(0, Duration.ofSeconds(5));
        assertEquals(List.of("done"), queue.after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    @Test
    void manyJobsAppendingAtOnceGetEverySequenceOnceAndLoseNothing() throws Exception {
        EventQueue queue = EventQueue.open(dir, 10_000);
        ExecutorService jobs = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Long>> appended = IntStream.range(0, 800)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                        try {
                            return queue.append(event("e" + i));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }, jobs)).toList();
            List<Long> sequences = appended.stream().map(CompletableFuture::join).sorted().toList();
            assertEquals(LongStream.rangeClosed(1, 800).boxed().toList(), sequences);
        } finally {
            jobs.shutdownNow();
        }
        queue.acknowledge(300);
        List<BoardEvent> reopened = EventQueue.open(dir, 10_000).after(0, 1000);
        assertEquals(LongStream.rangeClosed(301, 800).boxed().toList(), reopened.stream().map(BoardEvent::getSequence).toList());
    }

    @Test
    void anInterruptedAppenderStoresItsEventDurablyAndLeavesTheQueueUsable() throws Exception {
        EventQueue queue = EventQueue.open(dir, 100);
        // A job handed to the pool as the rig closes runs with its interrupt set; an interruptible write would close the log.
        Thread.currentThread().interrupt();
        long sequence;
        try {
            sequence = queue.append(event("a"));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt is kept for the job to see");
        }
        assertEquals(1, sequence);
        assertEquals(2, queue.append(event("b")), "the queue stays usable for every other thread");
        assertEquals(List.of("a", "b"), EventQueue.open(dir, 100).after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    @Test
    void boardsOfOneListingShareTheirSyncsAndAfterAReopenEveryBoardsEventsAreThereInItsOrder() throws Exception {
        int boards = 16;
        int perBoard = 5;
        AtomicInteger syncs = new AtomicInteger();
        AtomicReference<EventQueue> opened = new AtomicReference<>();
        EventQueue queue = EventQueue.open(dir, 1000, log -> {
            if (syncs.incrementAndGet() == 1) {
                // The first detection's sync takes as long as the other boards need to write theirs, as on a busy disk.
                Awaitility.await("every board's detection written").atMost(Eventually.LIMIT).until(() -> opened.get().lastSequence() == boards);
            }
            log.force(false);
        });
        opened.set(queue);
        CountDownLatch detectionsDurable = new CountDownLatch(boards);
        CountDownLatch goOn = new CountDownLatch(1);
        ExecutorService jobs = Executors.newFixedThreadPool(boards);
        try {
            List<CompletableFuture<Void>> stories = IntStream.range(0, boards).mapToObj(b -> CompletableFuture.runAsync(() -> {
                try {
                    queue.append(boardEvent(b, 0));
                    detectionsDurable.countDown();
                    await(goOn);
                    for (int step = 1; step < perBoard; step++) {
                        queue.append(boardEvent(b, step));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, jobs)).toList();
            await(detectionsDurable);
            // The held sync covers all 16 when they were all written before it began (a loaded machine); else one more does.
            assertTrue(syncs.get() > 0 && syncs.get() <= 2, syncs.get() + " syncs for 16 detections: the held one and at most one more");
            assertEquals(boards, queue.after(0, 1000).size(), "all of them offered for sending");
            goOn.countDown();
            stories.forEach(CompletableFuture::join);
        } finally {
            goOn.countDown();
            jobs.shutdownNow();
        }
        assertTrue(syncs.get() < boards * perBoard, syncs.get() + " syncs for " + boards * perBoard + " events");

        List<BoardEvent> reopened = EventQueue.open(dir, 1000).after(0, 1000);
        assertEquals(LongStream.rangeClosed(1, boards * perBoard).boxed().toList(), reopened.stream().map(BoardEvent::getSequence).toList());
        for (int b = 0; b < boards; b++) {
            String serial = boardSerial(b);
            List<String> story = reopened.stream().filter(e -> e.getSerial().equals(serial)).map(BoardEvent::getEventId).toList();
            assertEquals(IntStream.range(0, perBoard).mapToObj(step -> serial + "-" + step).toList(), story, "board " + b + ", in its order");
        }
    }

    private static String boardSerial(int board) {
        return String.format("003C004734305115%08X", board);
    }

    /** Step {@code step} of board {@code board}'s story; step 0 is its detection. */
    private static BoardEvent boardEvent(int board, int step) {
        return event(boardSerial(board) + "-" + step).toBuilder().setSerial(boardSerial(board)).build();
    }

    /** A disk whose first sync hangs until released, like an fsync on a busy disk, then succeeds or reports an I/O error. */
    private static final class HeldFirstSync implements EventQueue.Sync {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        /** The syncs asked for. */
        final AtomicInteger syncs = new AtomicInteger();
        private final boolean fails;

        HeldFirstSync(boolean fails) {
            this.fails = fails;
        }

        @Override
        public void force(FileChannel log) throws IOException {
            if (syncs.incrementAndGet() == 1) {
                started.countDown();
                await(release);
                if (fails) {
                    throw new IOException("Input/output error");
                }
            }
            log.force(false);
        }
    }

    /** A disk whose first sync reports an I/O error; {@code syncs} counts the syncs asked for. */
    private static EventQueue.Sync firstSyncFails(AtomicInteger syncs) {
        return log -> {
            if (syncs.incrementAndGet() == 1) {
                throw new IOException("Input/output error");
            }
            log.force(false);
        };
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("waited 30 s in vain");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
