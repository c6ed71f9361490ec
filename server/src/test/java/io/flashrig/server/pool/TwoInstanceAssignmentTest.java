package io.flashrig.server.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
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
            // No address was skipped or handed out twice: the range advanced exactly once per serial.
            assertEquals(SERIALS, TestApi.count("SELECT next_offset FROM mac_range WHERE first_mac = ?", first));
        } finally {
            threads.shutdownNow();
        }
    }
}
