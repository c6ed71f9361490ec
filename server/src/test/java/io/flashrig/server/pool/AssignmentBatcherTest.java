package io.flashrig.server.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.server.error.TransientFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a caller of the batcher is promised when the database does not answer: no wait without an end, and no ask left
 * unanswered when a sender fails in a way nobody planned for.
 */
class AssignmentBatcherTest {

    private static final Duration WAIT = Duration.ofMillis(200);
    private static final MacAllocator.Assignment ALONE = new MacAllocator.Assignment(
            MacAddress.parse("02:00:00:00:00:01"), MacAssignment.State.ASSIGNED, true);

    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final CountDownLatch databaseBack = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        databaseBack.countDown();
        workers.shutdownNow();
    }

    private static BoardSerial serial(int i) {
        return BoardSerial.parse(String.format(Locale.ROOT, "BB%022X", i));
    }

    /** How often an ask was asked alone: once at most per ask, or the database does the work twice. */
    private final AtomicInteger askedAlone = new AtomicInteger();

    private Future<MacAllocator.Assignment> ask(AssignmentBatcher batcher, int i) {
        return batcher.assign(serial(i), null, null, () -> {
            askedAlone.incrementAndGet();
            return ALONE;
        });
    }

    private AssignmentBatcher batcher(AssignmentBatcher.BatchSender sender, Duration maxWait) {
        return new AssignmentBatcher(sender, maxWait, workers);
    }

    /** Ask 1 takes a sender into the database; {@code sending} counts down when it is there. Returns ask 1's answer. */
    private Future<MacAllocator.Assignment> oneSenderInTheDatabase(AssignmentBatcher batcher, CountDownLatch sending)
            throws InterruptedException {
        Future<MacAllocator.Assignment> first = ask(batcher, 1);
        assertTrue(sending.await(30, TimeUnit.SECONDS), "a sender in the database");
        return first;
    }

    /** A sender is in the database; asks 2 and 3 then wait in the queue for it, too few to be worth a second. */
    private List<Future<MacAllocator.Assignment>> twoAsksQueuedBehindOneSender(AssignmentBatcher batcher,
            CountDownLatch sending) throws InterruptedException {
        oneSenderInTheDatabase(batcher, sending);
        List<Future<MacAllocator.Assignment>> queued = List.of(ask(batcher, 2), ask(batcher, 3));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> batcher.queued() == 2);
        return queued;
    }

    @Test
    void besideABatchInTheDatabaseAFewAsksWaitForItAndGoTogetherInTheNext() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        CountDownLatch sending = new CountDownLatch(1);
        AssignmentBatcher batcher = batcher(asks -> {
            sizes.add(asks.size());
            sending.countDown();
            databaseBack.await();
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofMinutes(5));
        Future<MacAllocator.Assignment> first = oneSenderInTheDatabase(batcher, sending);
        List<Future<MacAllocator.Assignment>> queued = List.of(ask(batcher, 2), ask(batcher, 3));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> batcher.queued() == 2);

        // Sent at once, each would cost the database what a batch costs; they wait for the one in flight instead.
        Thread.sleep(300);
        assertEquals(List.of(1), sizes);
        assertEquals(2, batcher.queued());

        databaseBack.countDown();
        assertEquals(ALONE, first.get(30, TimeUnit.SECONDS));
        for (Future<MacAllocator.Assignment> f : queued) {
            assertEquals(ALONE, f.get(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(1, 2), sizes);
        assertEquals(3, askedAlone.get(), "each ask the batches handed back asked alone once");
    }

    @Test
    void asManyAsksAsMakeASecondBatchWorthItGoBesideOneInTheDatabase() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        CountDownLatch sending = new CountDownLatch(1);
        AssignmentBatcher batcher = batcher(asks -> {
            sizes.add(asks.size());
            sending.countDown();
            if (sizes.size() == 1) {
                databaseBack.await();
            }
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofMinutes(5));
        oneSenderInTheDatabase(batcher, sending);

        List<Future<MacAllocator.Assignment>> many = new ArrayList<>();
        for (int i = 0; i < AssignmentBatcher.SECOND_BATCH_MIN; i++) {
            many.add(ask(batcher, 2 + i));
        }
        for (Future<MacAllocator.Assignment> f : many) {
            assertEquals(ALONE, f.get(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(1, AssignmentBatcher.SECOND_BATCH_MIN), sizes, "the second batch went while the first hung");
    }

    @Test
    void whileASenderHangsAnAskNoSenderTookIsAskedAloneOnceItsWaitRunsOut() throws Exception {
        CountDownLatch sending = new CountDownLatch(1);
        AssignmentBatcher batcher = batcher(asks -> {
            sending.countDown();
            databaseBack.await();
            throw new IllegalStateException("never answered");
        }, WAIT);
        oneSenderInTheDatabase(batcher, sending);

        assertEquals(ALONE, ask(batcher, 2).get(30, TimeUnit.SECONDS));
    }

    @Test
    void anAskABatchTookButDidNotAnswerInTimeFailsAsAPassingFailure() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch firstBack = new CountDownLatch(1);
        AssignmentBatcher batcher = batcher(asks -> {
            int n = batches.incrementAndGet();
            sending.countDown();
            (n == 1 ? firstBack : databaseBack).await();
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofSeconds(2));
        List<Future<MacAllocator.Assignment>> queued = twoAsksQueuedBehindOneSender(batcher, sending);

        // The first batch comes back; its sender takes the two waiting into a second batch, which hangs.
        firstBack.countDown();

        for (Future<MacAllocator.Assignment> taken : queued) {
            ExecutionException late = assertThrows(ExecutionException.class, () -> taken.get(30, TimeUnit.SECONDS));
            assertInstanceOf(AssignmentBatcher.AnswerLate.class, late.getCause());
            assertTrue(TransientFailure.is(late.getCause()), "answered as UNAVAILABLE: the rig retries");
        }
        assertEquals(2, batches.get());
    }

    @Test
    void aSenderThatDiesOfAnErrorLeavesNoAskOfItsBatchUnanswered() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        CountDownLatch sending = new CountDownLatch(1);
        AssignmentBatcher batcher = batcher(asks -> {
            if (batches.incrementAndGet() > 1) {
                throw new StackOverflowError("simulated");
            }
            sending.countDown();
            databaseBack.await();
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofMinutes(5));
        List<Future<MacAllocator.Assignment>> queued = twoAsksQueuedBehindOneSender(batcher, sending);

        databaseBack.countDown();

        // The second batch dies on its worker thread; both of its asks are asked alone, none left waiting.
        for (Future<MacAllocator.Assignment> f : queued) {
            assertEquals(ALONE, f.get(30, TimeUnit.SECONDS));
        }
        assertEquals(2, batches.get());
        // The dead sender gave its place back: a later ask is sent, not left to its five-minute wait.
        assertEquals(ALONE, ask(batcher, 4).get(30, TimeUnit.SECONDS));
        assertEquals(3, batches.get());
        assertEquals(4, askedAlone.get());
    }

    @Test
    void asksFromManyThreadsAreAllAnsweredWhileSendersComeAndGo() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        AssignmentBatcher batcher = batcher(asks -> {
            batches.incrementAndGet();
            return asks.stream().map(a -> new MacAllocator.Outcome(ALONE, null)).toList();
        }, Duration.ofMinutes(5));
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Future<MacAllocator.Assignment>>>> asked = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t * 400;
                asked.add(callers.submit(() -> {
                    List<Future<MacAllocator.Assignment>> answers = new ArrayList<>();
                    for (int i = 0; i < 400; i++) {
                        answers.add(ask(batcher, first + i));
                    }
                    return answers;
                }));
            }
            // An ask queued just as a sender left, and taken by nobody, would wait its five minutes: here, 30 s fail.
            for (Future<List<Future<MacAllocator.Assignment>>> thread : asked) {
                for (Future<MacAllocator.Assignment> answer : thread.get(30, TimeUnit.SECONDS)) {
                    assertEquals(ALONE, answer.get(30, TimeUnit.SECONDS));
                }
            }
        } finally {
            callers.shutdownNow();
        }
        // 3 200 asks, fewer than the queue holds: none is asked alone for want of room.
        assertEquals(0, askedAlone.get());
        assertTrue(batches.get() < 3_200, batches.get() + " batches for 3 200 asks");
    }

    @Test
    void aStoppingServerLeavesNoAskWaitingQueuedOrTaken() throws Exception {
        AssignmentBatcher batcher = batcher(asks -> {
            databaseBack.await();
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofMinutes(5));
        // Both senders hang, and more asks wait behind them than one batch holds.
        List<Future<MacAllocator.Assignment>> asked = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            asked.add(ask(batcher, i));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> batcher.queued() > 64);

        batcher.stop();

        for (Future<MacAllocator.Assignment> f : asked) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(AssignmentBatcher.AnswerLate.class, e.getCause());
        }
        assertEquals(0, askedAlone.get());
    }

    @Test
    @Timeout(60)
    void askingReturnsBeforeTheDatabaseAnswers() throws Exception {
        CountDownLatch sending = new CountDownLatch(1);
        AssignmentBatcher batcher = batcher(asks -> {
            sending.countDown();
            databaseBack.await();
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofMinutes(5));

        // As a gRPC event loop asks: the ask is queued and the asking thread goes on while the database works.
        Future<MacAllocator.Assignment> answer = ask(batcher, 1);
        assertTrue(sending.await(30, TimeUnit.SECONDS));
        assertTrue(!answer.isDone());

        databaseBack.countDown();
        assertEquals(ALONE, answer.get(30, TimeUnit.SECONDS));
    }
}
