package io.flashrig.server.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Several boards' MACs in one statement (V32's {@code flashrig_assign_macs}), on a connection of its own as a second
 * replica would: the batch keeps every promise of the one-by-one assignment, and leaves to it what only it can do
 * (refusing a rig past its quota, with its alert).
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class AssignmentBatchTest {

    private final MacAllocator allocator = new MacAllocator(new RigQuota(1_000_000));

    private static MacAllocator.Ask ask(String serial, Long rigId) {
        return new MacAllocator.Ask(BoardSerial.parse(serial), rigId, null);
    }

    private static String serial(String prefix, int i) {
        return String.format(Locale.ROOT, "%s%022X", prefix, i);
    }

    @Test
    void aBatchHandsOutAscendingAddressesOfOneStripeKeepsHeldMacsAndLeavesARigNearItsQuotaToBeAskedAlone()
            throws Exception {
        long first = TestApi.freshRange(64);
        TestApi.registerRig("rig-batch-near-quota");
        long nearQuota = TestApi.count("SELECT id FROM rig WHERE name = 'rig-batch-near-quota'");
        try (Connection c = TestApi.directDataSource().getConnection()) {
            c.createStatement().execute("UPDATE rig SET new_macs_per_hour = 2 WHERE id = " + nearQuota);
            MacAllocator.Assignment held = allocator.assign(c, BoardSerial.parse(serial("BA", 1)), null, null,
                    Instant.now());

            List<MacAllocator.Outcome> outcomes = allocator.assignAll(c, List.of(ask(serial("BA", 2), null),
                    ask(serial("BA", 1), null), ask(serial("BA", 3), nearQuota), ask(serial("BA", 4), null),
                    ask(serial("BA", 5), nearQuota), ask(serial("BA", 6), nearQuota), ask(serial("BA", 7), null)),
                    Instant.now());

            assertEquals(new MacAllocator.Assignment(held.mac(), MacAssignment.State.ASSIGNED, false),
                    outcomes.get(1).assignment(), "a serial that has its MAC keeps it");
            for (int i : new int[] {2, 4, 5}) {
                assertTrue(outcomes.get(i).askAlone(), "three new MACs for a rig with a quota of two: ask alone");
            }
            // The range's first address went to the held serial (stripe 0); the batch takes the next lowest stripe.
            long step = 8;
            List<Long> expected = List.of(first + 1, first + 1 + step, first + 1 + 2 * step);
            int e = 0;
            for (int i : new int[] {0, 3, 6}) {
                MacAllocator.Assignment assigned = outcomes.get(i).assignment();
                assertEquals(new MacAddress(expected.get(e++)), assigned.mac(), "ask " + i + ", in order of asking");
                assertTrue(assigned.newlyAssigned());
            }
            assertEquals(0, TestApi.count("SELECT count(*) FROM mac_assignment WHERE rig_id = ?", nearQuota),
                    "nothing was taken for the rig near its quota");
            assertEquals(first + 1 + 3 * step, TestApi.count(
                    "SELECT next_mac FROM mac_range_stripe s JOIN mac_range r ON r.id = s.range_id"
                            + " WHERE r.first_mac = ? AND s.stripe = 1", first), "the stripe moved by three, no more");

            // Alone, as the server then asks them: two are granted, the third refused and alerted.
            assertTrue(allocator.assign(c, BoardSerial.parse(serial("BA", 3)), nearQuota, null, Instant.now())
                    .newlyAssigned());
            assertTrue(allocator.assign(c, BoardSerial.parse(serial("BA", 5)), nearQuota, null, Instant.now())
                    .newlyAssigned());
            DomainException refused = assertThrows(DomainException.class,
                    () -> allocator.assign(c, BoardSerial.parse(serial("BA", 6)), nearQuota, null, Instant.now()));
            assertEquals(DomainException.Kind.EXHAUSTED, refused.kind());
        }
    }

    @Test
    void aBatchLargerThanWhatIsLeftHandsOutEveryAddressOnceAndTellsTheRestThePoolIsEmpty() throws Exception {
        long first = TestApi.freshRange(10);
        try (Connection c = TestApi.directDataSource().getConnection()) {
            List<MacAllocator.Ask> asks = new ArrayList<>();
            for (int i = 1; i <= 16; i++) {
                asks.add(ask(serial("BE", i), null));
            }
            List<MacAllocator.Outcome> outcomes = allocator.assignAll(c, asks, Instant.now());

            Set<Long> handedOut = new TreeSet<>();
            int empty = 0;
            for (MacAllocator.Outcome outcome : outcomes) {
                if (outcome.assignment() != null) {
                    assertTrue(handedOut.add(outcome.assignment().mac().value()), outcome + " twice");
                } else {
                    assertEquals(DomainException.Kind.EXHAUSTED, outcome.refusal().kind());
                    empty++;
                }
            }
            Set<Long> range = new TreeSet<>();
            for (long mac = first; mac < first + 10; mac++) {
                range.add(mac);
            }
            assertEquals(range, handedOut, "every address of the range, each once");
            assertEquals(6, empty);
            assertNull(outcomes.get(0).refusal());
            assertFalse(outcomes.get(15).askAlone());
        }
    }

    @Test
    void aBatchWaitsForTheFirstRangeWithRoomRatherThanTakingTheNextRangesAddresses() throws Exception {
        long first = TestApi.freshRange(64);
        long later = TestApi.nextBlock() + 1;
        TestApi.asAdmin().body(java.util.Map.of("first", TestApi.mac(later), "last", TestApi.mac(later + 63), "label",
                "the next range")).post("/api/v1/mac-ranges").then().statusCode(201);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Connection holder = TestApi.directDataSource().getConnection();
                Connection c = TestApi.directDataSource().getConnection();
                Connection watcher = TestApi.directDataSource().getConnection()) {
            // Other calls hold every stripe of the first range, as 8 assignments in flight would.
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT * FROM mac_range_stripe s JOIN mac_range r ON r.id = s.range_id"
                    + " WHERE r.first_mac = " + first + " FOR UPDATE OF s");
            List<MacAllocator.Ask> asks = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                asks.add(ask(serial("BF", i), null));
            }
            java.util.concurrent.Future<List<MacAllocator.Outcome>> batch = pool.submit(
                    () -> allocator.assignAll(c, asks, Instant.now()));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> batch.isDone()
                    || TestApi.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") > 0);

            holder.rollback();

            for (MacAllocator.Outcome outcome : batch.get(30, java.util.concurrent.TimeUnit.SECONDS)) {
                long mac = outcome.assignment().mac().value();
                assertTrue(mac >= first && mac < first + 64, TestApi.mac(mac) + " is not from the first range");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBatchFindsTheSerialsThatHaveAMacByIndexNotByReadingTheWholeTable() throws Exception {
        TestApi.freshRange(256);
        try (Connection c = TestApi.directDataSource().getConnection()) {
            // One transaction, so that pg_stat_xact_user_tables counts this session's scans alone; more than five
            // batches, so that PL/pgSQL has cached each statement's plan for the session, as a server connection has.
            c.setAutoCommit(false);
            for (int b = 0; b < 12; b++) {
                List<MacAllocator.Ask> asks = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    asks.add(ask(serial("B5", b * 4 + i), null));
                }
                // Asked again: the serials that have a MAC are looked up too.
                allocator.assignAll(c, asks, Instant.now());
                allocator.assignAll(c, asks, Instant.now());
            }
            try (var rs = c.createStatement().executeQuery("SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables"
                    + " WHERE relname = 'mac_assignment'")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getLong(1), "sequential scans of mac_assignment: each grows with the table");
                assertTrue(rs.getLong(2) >= 2 * 12 * 4, "an index probe per serial and batch");
            }
            c.rollback();
        }
    }

    @Test
    void theBatchFunctionKeepsOneGenericPlanPerStatement() throws Exception {
        // Left to choose, PostgreSQL planned the statement that takes a stripe's addresses anew on every batch (V35);
        // the generic plans it keeps instead are the ones the test above checks for index probes.
        assertEquals(1, TestApi.count("SELECT count(*) FROM pg_proc WHERE proname = 'flashrig_assign_macs'"
                + " AND 'plan_cache_mode=force_generic_plan' = ANY (proconfig)"));
    }

    @Test
    void aBatchOfOneIsTheOneBoardAssignmentWithItsRefusalAndAlert() throws Exception {
        TestApi.freshRange(16);
        TestApi.registerRig("rig-batch-of-one");
        long rig = TestApi.count("SELECT id FROM rig WHERE name = 'rig-batch-of-one'");
        try (Connection c = TestApi.directDataSource().getConnection()) {
            c.createStatement().execute("UPDATE rig SET new_macs_per_hour = 1 WHERE id = " + rig);
            MacAllocator.Outcome granted = allocator.assignAll(c, List.of(ask(serial("B1", 1), rig)), Instant.now())
                    .get(0);
            assertTrue(granted.assignment().newlyAssigned());
            assertEquals(granted.assignment().mac(), allocator.assignAll(c, List.of(ask(serial("B1", 1), rig)),
                    Instant.now()).get(0).assignment().mac(), "the same MAC again");

            MacAllocator.Outcome refused = allocator.assignAll(c, List.of(ask(serial("B1", 2), rig)), Instant.now())
                    .get(0);
            assertEquals(DomainException.Kind.EXHAUSTED, refused.refusal().kind(), "past the rig's quota of one");
            assertEquals(1, TestApi.count("SELECT count(*) FROM mac_alert WHERE rig_id = ?", rig),
                    "the refusal is recorded for an admin");
        }
    }
}
