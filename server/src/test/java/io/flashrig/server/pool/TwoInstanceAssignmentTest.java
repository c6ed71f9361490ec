package io.flashrig.server.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Two independent server instances on one PostgreSQL: the running server (its Agroal pool, JTA transactions, reached
 * over gRPC) and a second instance made of the same allocator on its own plain JDBC connections and transactions.
 * Nothing in memory is shared between them; only the database can keep the invariants.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class TwoInstanceAssignmentTest {

    private static final int SERIALS = 24;
    private static final int ASKS_PER_SERIAL_PER_INSTANCE = 2;
    private static final int THREADS = 48;

    @TestHTTPResource("/")
    URL server;

    private record Answer(String serial, String mac, boolean newlyAssigned) {
    }

    @Test
    void concurrentAssignmentsFromTwoInstancesGiveEachSerialOneMacAndNoMacTwice() throws Exception {
        long first = TestApi.freshRange(SERIALS * 2);
        DataSource secondInstance = TestApi.directDataSource();
        MacAllocator allocator = new MacAllocator(new RigQuota(1_000_000));
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Answer>> answers = new ArrayList<>();
        try (RigClient rig = new RigClient(server, TestApi.registerRig("rig-two-instances"))) {
            // The second instance serves the same rig, as a rig's retries reach either replica.
            long rigId = TestApi.count("SELECT id FROM rig WHERE name = 'rig-two-instances'");
            for (int ask = 0; ask < ASKS_PER_SERIAL_PER_INSTANCE; ask++) {
                for (int i = 0; i < SERIALS; i++) {
                    String serial = String.format(Locale.ROOT, "E%023X", i + 1);
                    answers.add(threads.submit(TestApi.gated(start, () -> {
                        AssignMacResponse response = rig.rpc().assignMac(
                                AssignMacRequest.newBuilder().setSerial(serial).build());
                        return new Answer(serial, response.getMac(), response.getNewlyAssigned());
                    })));
                    answers.add(threads.submit(TestApi.gated(start, () -> {
                        try (Connection c = secondInstance.getConnection()) {
                            c.setAutoCommit(false);
                            MacAllocator.Assignment a = allocator.assign(c, BoardSerial.parse(serial), rigId, null,
                                    Instant.now());
                            c.commit();
                            return new Answer(serial, a.mac().toString(), a.newlyAssigned());
                        }
                    })));
                }
            }
            start.countDown();
            Map<String, Set<String>> macsBySerial = new HashMap<>();
            Map<String, Integer> newlyAssigned = new HashMap<>();
            for (Future<Answer> future : answers) {
                Answer answer = future.get(60, TimeUnit.SECONDS);
                macsBySerial.computeIfAbsent(answer.serial(), s -> new HashSet<>()).add(answer.mac());
                newlyAssigned.merge(answer.serial(), answer.newlyAssigned() ? 1 : 0, Integer::sum);
            }
            assertEquals(SERIALS * ASKS_PER_SERIAL_PER_INSTANCE * 2, answers.size());
            Set<String> allMacs = new HashSet<>();
            macsBySerial.forEach((serial, macs) -> {
                assertEquals(1, macs.size(), serial + " got " + macs);
                assertEquals(1, newlyAssigned.get(serial), serial + " was newly assigned more than once");
                allMacs.addAll(macs);
            });
            assertEquals(SERIALS, allMacs.size(), "distinct serials must get distinct MACs");
            assertEquals(SERIALS, TestApi.count("SELECT count(*) FROM mac_assignment WHERE board_serial LIKE 'E%'"));
            assertEachStripeHandedOutAnAscendingRunWithoutGaps(first);
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Racing on every stripe of a small range from both instances: every address is handed out exactly once, none is
     * lost (no gap, nothing left behind), and the callers beyond it are told the pool is empty.
     */
    @Test
    void exhaustingARangeFromTwoInstancesHandsOutEveryAddressOnceAndWastesNone() throws Exception {
        int size = 40;
        int serials = 64;
        long first = TestApi.freshRange(size);
        DataSource secondInstance = TestApi.directDataSource();
        MacAllocator allocator = new MacAllocator(new RigQuota(1_000_000));
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> answers = new ArrayList<>();
        try (RigClient rig = new RigClient(server, TestApi.registerRig("rig-exhaust-two-instances"))) {
            for (int i = 0; i < serials; i++) {
                String serial = String.format(Locale.ROOT, "7E%022X", i + 1);
                answers.add(threads.submit(TestApi.gated(start, i % 2 == 0 ? () -> {
                    try {
                        return rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).build()).getMac();
                    } catch (StatusRuntimeException e) {
                        RigClient.assertError(e, Status.Code.RESOURCE_EXHAUSTED, "MAC_POOL_EXHAUSTED");
                        return null;
                    }
                } : () -> {
                    try (Connection c = secondInstance.getConnection()) {
                        return allocator.assign(c, BoardSerial.parse(serial), null, null, Instant.now()).mac()
                                .toString();
                    } catch (DomainException e) {
                        assertEquals(DomainException.Kind.EXHAUSTED, e.kind());
                        return null;
                    }
                })));
            }
            start.countDown();
            Set<String> handedOut = new HashSet<>();
            int refused = 0;
            for (Future<String> answer : answers) {
                String mac = answer.get(60, TimeUnit.SECONDS);
                if (mac == null) {
                    refused++;
                } else {
                    assertTrue(handedOut.add(mac), mac + " was handed out twice");
                }
            }
            Set<String> range = new HashSet<>();
            for (long mac = first; mac < first + size; mac++) {
                range.add(TestApi.mac(mac));
            }
            assertEquals(range, handedOut, "every address of the range, each once");
            assertEquals(serials - size, refused);
            assertEquals(size, TestApi.count("SELECT count(*) FROM mac_assignment WHERE board_serial LIKE '7E%'"));
        } finally {
            threads.shutdownNow();
        }
    }

    /** One caller after another: the range is handed out from its bottom, one address after the next. */
    @Test
    void oneCallerAfterAnotherGetsTheRangeInAscendingOrder() throws Exception {
        long first = TestApi.freshRange(20);
        try (RigClient rig = new RigClient(server, TestApi.registerRig("rig-ascending"))) {
            for (int i = 0; i < 20; i++) {
                String serial = String.format(Locale.ROOT, "7A%022X", i + 1);
                assertEquals(TestApi.mac(first + i),
                        rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).build()).getMac());
            }
        }
        assertEachStripeHandedOutAnAscendingRunWithoutGaps(first);
    }

    /**
     * Each stripe of the range starting at {@code first} handed out its own addresses (first + k, + k + step, ...)
     * from the bottom up, without a gap, and its next address is the one after them: nothing was skipped or taken
     * twice, whatever the interleaving of callers.
     */
    private static void assertEachStripeHandedOutAnAscendingRunWithoutGaps(long first) {
        long rangeId = TestApi.count("SELECT id FROM mac_range WHERE first_mac = ?", first);
        long stripes = TestApi.count("SELECT count(*) FROM mac_range_stripe WHERE range_id = ?", rangeId);
        assertTrue(stripes > 1, "the range is striped");
        for (int k = 0; k < stripes; k++) {
            long step = TestApi.count("SELECT step FROM mac_range_stripe WHERE range_id = ? AND stripe = ?", rangeId, k);
            long next = TestApi.count("SELECT next_mac FROM mac_range_stripe WHERE range_id = ? AND stripe = ?",
                    rangeId, k);
            long taken = TestApi.count("SELECT count(*) FROM mac_assignment WHERE range_id = ? AND (mac - ?) % ? = ?",
                    rangeId, first, step, k);
            assertEquals(first + k + taken * step, next, "stripe " + k + " advanced once per address it handed out");
            assertEquals(taken, TestApi.count("""
                    SELECT count(*) FROM mac_assignment WHERE range_id = ? AND mac >= ? AND mac < ? AND (mac - ?) % ? = ?""",
                    rangeId, first + k, next, first, step, k), "stripe " + k + " has no gap");
        }
    }
}
