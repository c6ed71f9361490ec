package io.flashrig.server.pool;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.OtpMacVerdict;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Bounded rig authority: a rig takes at most its quota of new MACs per rolling hour, so that one leaked rig token
 * cannot drain the pool. The test profile's default is huge; each test gives its rig a small quota over the REST API.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class RigQuotaTest {

    private static int serials;

    @TestHTTPResource("/")
    URL server;

    private static String newSerial() {
        return String.format("0A07A%019X", ++serials);
    }

    private static String rigName(String what) {
        return "rig-quota-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static AssignMacResponse assign(RigClient rig, String serial) {
        return rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).build());
    }

    private static OtpMacVerdict report(RigClient rig, String serial, String mac) {
        return rig.rpc().reportOtpMac(ReportOtpMacRequest.newBuilder().setSerial(serial).setMac(mac).build())
                .getVerdict();
    }

    private static void setQuota(String rig, int newMacsPerHour) {
        asAdmin().body(Map.of("newMacsPerHour", newMacsPerHour)).put("/api/v1/rigs/" + rig + "/mac-quota").then()
                .statusCode(200).body("newMacsPerHour", equalTo(newMacsPerHour))
                .body("newMacsPerHourSetByAdmin", equalTo(true));
    }

    private static long quotaAlerts(String rig) {
        return TestApi.count("SELECT count(*) FROM mac_alert a JOIN rig r ON r.id = a.rig_id"
                + " WHERE a.kind = 'RIG_QUOTA_EXCEEDED' AND r.name = ?", rig);
    }

    private static void assertQuotaRefusal(Exception refused, String rig, int limit) {
        var info = RigClient.assertError(refused, Status.Code.RESOURCE_EXHAUSTED, "RIG_QUOTA_EXCEEDED");
        assertEquals(rig, info.getMetadataOrThrow("rig"));
        assertEquals(Integer.toString(limit), info.getMetadataOrThrow("new_macs_per_hour"));
        assertTrue(refused.getMessage().contains("raises the rig's quota"), refused.getMessage());
    }

    @Test
    void aRigPastItsQuotaIsRefusedAndAlertedOnceWhileRepeatsAndOtherRigsGoOn() throws Exception {
        long first = TestApi.freshRange(64);
        String name = rigName("a");
        String otherName = rigName("b");
        try (RigClient rig = new RigClient(server, TestApi.registerRig(name));
                RigClient other = new RigClient(server, TestApi.registerRig(otherName))) {
            setQuota(name, 3);
            List<String> granted = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String serial = newSerial();
                assertTrue(assign(rig, serial).getNewlyAssigned());
                granted.add(serial);
            }
            String waiting = newSerial();
            assertQuotaRefusal(assertThrows(Exception.class, () -> assign(rig, waiting)), name, 3);
            // The agent asks again for every waiting board: still refused, still one alert.
            assertQuotaRefusal(assertThrows(Exception.class, () -> assign(rig, waiting)), name, 3);
            assertQuotaRefusal(assertThrows(Exception.class, () -> assign(rig, newSerial())), name, 3);
            assertEquals(0, TestApi.count("SELECT count(*) FROM mac_assignment WHERE board_serial = ?", waiting));

            // A board it already has a MAC for (a retry, a re-flash) is answered: that takes nothing from the pool.
            AssignMacResponse again = assign(rig, granted.get(0));
            assertFalse(again.getNewlyAssigned());
            // So is a MAC found in OTP that is the board's own, or outside every range.
            assertEquals(OtpMacVerdict.OTP_MAC_VERDICT_CONFIRMED, report(rig, granted.get(0), again.getMac()));
            assertEquals(OtpMacVerdict.OTP_MAC_VERDICT_EXTERNAL, report(rig, newSerial(),
                    TestApi.mac(TestApi.nextBlock() + 7)));
            // A conflict is told as a conflict, past the quota or not: the board must fail, not wait.
            RigClient.assertError(assertThrows(Exception.class, () -> report(rig, newSerial(), again.getMac())),
                    Status.Code.FAILED_PRECONDITION, "MAC_CONFLICT");
            // Adopting an unassigned address of a range takes it from the pool: it counts, so it is refused.
            String unassigned = TestApi.mac(first + 40);
            assertQuotaRefusal(assertThrows(Exception.class, () -> report(rig, newSerial(), unassigned)), name, 3);
            asAdmin().get("/api/v1/macs/" + unassigned).then().statusCode(404);

            // Another rig is not held back by this one.
            assertTrue(assign(other, newSerial()).getNewlyAssigned());

            assertEquals(1, quotaAlerts(name));
            assertEquals(0, quotaAlerts(otherName));
            asAdmin().get("/api/v1/alerts?size=500").then().statusCode(200)
                    .body("items.findAll { it.kind == 'RIG_QUOTA_EXCEEDED' && it.message.contains('" + name + "') }",
                            hasSize(1))
                    .body("items.find { it.kind == 'RIG_QUOTA_EXCEEDED' && it.message.contains('" + name + "') }.mac",
                            nullValue())
                    .body("items.find { it.kind == 'RIG_QUOTA_EXCEEDED' && it.message.contains('" + name
                            + "') }.serial", equalTo(waiting));

            // The dashboard shows it too, with the rig and without a MAC.
            asAdmin().get("/api/v1/live/snapshot").then().statusCode(200)
                    .body("alerts.findAll { it.kind == 'RIG_QUOTA_EXCEEDED' && it.rig == '" + name + "' }", hasSize(1))
                    .body("alerts.find { it.kind == 'RIG_QUOTA_EXCEEDED' && it.rig == '" + name + "' }.serial",
                            equalTo(waiting));

            // An admin raises it: the waiting board gets its MAC, and an adoption counts as one more.
            setQuota(name, 5);
            assertTrue(assign(rig, waiting).getNewlyAssigned());
            assertEquals(OtpMacVerdict.OTP_MAC_VERDICT_ADOPTED, report(rig, newSerial(), unassigned));
            assertQuotaRefusal(assertThrows(Exception.class, () -> assign(rig, newSerial())), name, 5);
            assertEquals(1, quotaAlerts(name), "one alert per rig per hour, however often it is refused");
            asAdmin().get("/api/v1/audit?size=500").then().statusCode(200)
                    .body("items.find { it.action == 'rig.mac-quota' && it.detail.contains('3 -> 5') }.subject",
                            equalTo("rig " + name));

            // Back to the server's default (the test profile's, far above 5).
            asAdmin().delete("/api/v1/rigs/" + name + "/mac-quota").then().statusCode(200)
                    .body("newMacsPerHour", equalTo(1_000_000)).body("newMacsPerHourSetByAdmin", equalTo(false));
            asAdmin().get("/api/v1/rigs/" + name).then().statusCode(200)
                    .body("newMacsPerHour", equalTo(1_000_000)).body("newMacsPerHourSetByAdmin", equalTo(false));
            assertTrue(assign(rig, newSerial()).getNewlyAssigned());
            asAdmin().get("/api/v1/audit?size=500").then()
                    .body("items.find { it.action == 'rig.mac-quota' && it.detail.contains('5 -> 1000000 (server"
                            + " default)') }.subject", equalTo("rig " + name));
        }
    }

    @Test
    void onlyAnAdminChangesAQuota() {
        String name = rigName("auth");
        TestApi.registerRig(name);
        String viewer = asAdmin().body(Map.of("name", "quota-viewer-" + name, "role", "viewer")).post("/api/v1/tokens")
                .then().statusCode(201).extract().path("token");
        given().header("Authorization", "Bearer " + viewer).contentType("application/json")
                .body(Map.of("newMacsPerHour", 100000)).put("/api/v1/rigs/" + name + "/mac-quota").then()
                .statusCode(403).contentType("application/problem+json");
        given().header("Authorization", "Bearer " + viewer).delete("/api/v1/rigs/" + name + "/mac-quota").then()
                .statusCode(403);
        given().header("Authorization", "Bearer " + viewer).get("/api/v1/rigs/" + name).then().statusCode(200)
                .body("newMacsPerHourSetByAdmin", equalTo(false));
        asAdmin().body(Map.of("newMacsPerHour", 0)).put("/api/v1/rigs/" + name + "/mac-quota").then().statusCode(200)
                .body("newMacsPerHour", equalTo(0));
        asAdmin().body("{\"newMacsPerHour\":null}").put("/api/v1/rigs/" + name + "/mac-quota").then()
                .statusCode(400).contentType("application/problem+json").body("detail", containsString("DELETE"));
    }

    @Test
    void macsOlderThanTheHourNoLongerCount() throws Exception {
        TestApi.freshRange(16);
        String name = rigName("window");
        try (RigClient rig = new RigClient(server, TestApi.registerRig(name))) {
            setQuota(name, 3);
            long rigId = TestApi.count("SELECT id FROM rig WHERE name = ?", name);
            Instant now = Instant.now();
            // As if the rig had taken many MACs an hour and a half ago, and two ten minutes ago.
            try (Connection c = TestApi.directDataSource().getConnection();
                    var ps = c.prepareStatement("INSERT INTO rig_new_macs (rig_id, minute, new_macs) VALUES (?, ?, ?)")) {
                for (Object[] row : new Object[][] {{now.minus(90, ChronoUnit.MINUTES), 500}, {
                        now.minus(10, ChronoUnit.MINUTES), 2}}) {
                    ps.setLong(1, rigId);
                    ps.setTimestamp(2, java.sql.Timestamp.from(((Instant) row[0]).truncatedTo(ChronoUnit.MINUTES)));
                    ps.setInt(3, (Integer) row[1]);
                    ps.executeUpdate();
                }
            }
            assertTrue(assign(rig, newSerial()).getNewlyAssigned());
            assertQuotaRefusal(assertThrows(Exception.class, () -> assign(rig, newSerial())), name, 3);
            assertEquals(0, TestApi.count("SELECT count(*) FROM rig_new_macs WHERE rig_id = ? AND minute < ?", rigId,
                    java.sql.Timestamp.from(now.minus(61, ChronoUnit.MINUTES))), "old minutes are cleared away");
        }
    }

    /**
     * Calls for distinct serials racing on the running server and on a second instance (the allocator on its own
     * JDBC connections, as another replica on the same database): never more than the quota between them.
     */
    @Test
    void racingCallsOnTwoInstancesNeverTakeMoreThanTheQuota() throws Exception {
        int quota = 5;
        int calls = 32;
        TestApi.freshRange(64);
        String name = rigName("race");
        DataSource secondInstance = TestApi.directDataSource();
        MacAllocator allocator = new MacAllocator(new RigQuota(1_000_000));
        ExecutorService threads = Executors.newFixedThreadPool(calls);
        CountDownLatch start = new CountDownLatch(1);
        try (RigClient rig = new RigClient(server, TestApi.registerRig(name))) {
            setQuota(name, quota);
            long rigId = TestApi.count("SELECT id FROM rig WHERE name = ?", name);
            List<Future<Boolean>> answers = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                String serial = newSerial();
                answers.add(threads.submit(TestApi.gated(start, i % 2 == 0 ? () -> {
                    try {
                        return assign(rig, serial).getNewlyAssigned();
                    } catch (Exception e) {
                        RigClient.assertError(e, Status.Code.RESOURCE_EXHAUSTED, "RIG_QUOTA_EXCEEDED");
                        return false;
                    }
                } : () -> {
                    try (Connection c = secondInstance.getConnection()) {
                        c.setAutoCommit(false);
                        try {
                            boolean assigned = allocator.assign(c, BoardSerial.parse(serial), rigId, null,
                                    Instant.now()).newlyAssigned();
                            c.commit();
                            return assigned;
                        } catch (DomainException e) {
                            // As the server does: the refusal keeps its alert.
                            c.commit();
                            assertEquals(ErrorReason.ERROR_REASON_RIG_QUOTA_EXCEEDED, e.reason());
                            return false;
                        }
                    }
                })));
            }
            start.countDown();
            int granted = 0;
            for (Future<Boolean> answer : answers) {
                granted += answer.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(quota, granted, "new MACs granted to a rig with a quota of " + quota);
            assertEquals(quota, TestApi.count("SELECT count(*) FROM mac_assignment WHERE rig_id = ?", rigId));
            assertEquals(1, quotaAlerts(name));
        } finally {
            threads.shutdownNow();
        }
    }
}
