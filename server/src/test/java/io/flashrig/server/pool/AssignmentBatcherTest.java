package io.flashrig.server.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.server.error.TransientFailure;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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

/**
 * What a caller of the batcher is promised when the database does not answer: no wait without an end, and no ask left
 * unanswered when a sender fails in a way nobody planned for.
 */
class AssignmentBatcherTest {

    private static final Duration WAIT = Duration.ofMillis(200);
    private static final MacAllocator.Assignment ALONE = new MacAllocator.Assignment(
            MacAddress.parse("02:00:00:00:00:01"), MacAssignment.State.ASSIGNED, true);

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final CountDownLatch databaseBack = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        databaseBack.countDown();
        callers.shutdownNow();
    }

    private static BoardSerial serial(int i) {
        return BoardSerial.parse(String.format(Locale.ROOT, "BB%022X", i));
    }

    private Future<MacAllocator.Assignment> ask(AssignmentBatcher batcher, int i) {
        return callers.submit(() -> batcher.assign(serial(i), null, null, () -> ALONE));
    }

    /**
     * Asks 1 and 2 each take a sender slot into the database, one after the other: asked together, the first sender
     * could take both in one batch. {@code bothSending} counts the senders that reached the database.
     */
    private void twoSendersInTheDatabase(AssignmentBatcher batcher, CountDownLatch bothSending)
            throws InterruptedException {
        ask(batcher, 1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> bothSending.getCount() == 1);
        ask(batcher, 2);
        assertTrue(bothSending.await(30, TimeUnit.SECONDS), "two senders in the database");
    }

    /** Two senders hang in the database; asks 3 and 4 then wait in the queue behind them. */
    private List<Future<MacAllocator.Assignment>> twoAsksQueuedBehindTwoSenders(AssignmentBatcher batcher,
            CountDownLatch bothSending) throws InterruptedException {
        twoSendersInTheDatabase(batcher, bothSending);
        List<Future<MacAllocator.Assignment>> queued = List.of(ask(batcher, 3), ask(batcher, 4));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> batcher.queued() == 2);
        return queued;
    }

    @Test
    void whileBothSendersHangAnAskNoSenderTookIsAskedAloneOnceItsWaitRunsOut() throws Exception {
        CountDownLatch bothSending = new CountDownLatch(2);
        AssignmentBatcher batcher = new AssignmentBatcher(asks -> {
            bothSending.countDown();
            databaseBack.await();
            throw new IllegalStateException("never answered");
        }, WAIT);
        twoSendersInTheDatabase(batcher, bothSending);

        assertEquals(ALONE, ask(batcher, 3).get(30, TimeUnit.SECONDS));
    }

    @Test
    void anAskAnotherCallersBatchTookButDidNotAnswerInTimeFailsAsAPassingFailure() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        CountDownLatch bothSending = new CountDownLatch(2);
        CountDownLatch firstBack = new CountDownLatch(1);
        AssignmentBatcher batcher = new AssignmentBatcher(asks -> {
            int n = batches.incrementAndGet();
            bothSending.countDown();
            (n == 1 ? firstBack : databaseBack).await();
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofSeconds(2));
        List<Future<MacAllocator.Assignment>> queued = twoAsksQueuedBehindTwoSenders(batcher, bothSending);
        Future<MacAllocator.Assignment> third = queued.get(0);
        Future<MacAllocator.Assignment> fourth = queued.get(1);

        // One of the two sends both, and hangs with the second sender; the other was taken and waits in vain.
        firstBack.countDown();

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> third.isDone() || fourth.isDone());
        Future<MacAllocator.Assignment> taken = third.isDone() ? third : fourth;
        ExecutionException late = assertThrows(ExecutionException.class, () -> taken.get(0, TimeUnit.SECONDS));
        assertInstanceOf(AssignmentBatcher.AnswerLate.class, late.getCause());
        assertTrue(TransientFailure.is(late.getCause()), "answered as UNAVAILABLE: the rig retries");
        assertEquals(3, batches.get());
    }

    @Test
    void aSenderThatDiesOfAnErrorLeavesNoOtherAskOfItsBatchUnanswered() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        CountDownLatch bothSending = new CountDownLatch(2);
        AssignmentBatcher batcher = new AssignmentBatcher(asks -> {
            if (batches.incrementAndGet() > 2) {
                throw new StackOverflowError("simulated");
            }
            bothSending.countDown();
            databaseBack.await();
            return asks.stream().map(a -> MacAllocator.Outcome.ASK_ALONE).toList();
        }, Duration.ofMinutes(5));
        List<Future<MacAllocator.Assignment>> queued = twoAsksQueuedBehindTwoSenders(batcher, bothSending);
        Future<MacAllocator.Assignment> third = queued.get(0);
        Future<MacAllocator.Assignment> fourth = queued.get(1);

        databaseBack.countDown();

        // The one whose thread sent the failing batch sees its Error; the other is asked alone, not left waiting.
        int alone = 0;
        int failed = 0;
        for (Future<MacAllocator.Assignment> f : List.of(third, fourth)) {
            try {
                assertEquals(ALONE, f.get(30, TimeUnit.SECONDS));
                alone++;
            } catch (ExecutionException e) {
                assertInstanceOf(StackOverflowError.class, e.getCause());
                failed++;
            }
        }
        assertEquals(List.of(1, 1), List.of(alone, failed));
    }
}
