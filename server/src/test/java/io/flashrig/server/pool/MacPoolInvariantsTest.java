package io.flashrig.server.pool;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.rpc.ErrorInfo;
import io.flashrig.contract.MacAddress;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.OtpMacVerdict;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.proto.rig.v1.RigServiceGrpc;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MAC invariants of the issue, each shown through the rig contract and the admin API. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class MacPoolInvariantsTest {

    private static int rigs;

    @TestHTTPResource("/")
    URL server;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    private RigClient client;

    @BeforeEach
    void rig() {
        client = new RigClient(server, TestApi.registerRig("rig-invariants-" + ++rigs));
    }

    @AfterEach
    void close() throws InterruptedException {
        client.close();
    }

    private RigServiceGrpc.RigServiceBlockingStub rpc() {
        return client.rpc();
    }

    private String assign(String serial) {
        return rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).build()).getMac();
    }

    private OtpMacVerdict report(String serial, String mac) {
        return rpc().reportOtpMac(ReportOtpMacRequest.newBuilder().setSerial(serial).setMac(mac).build())
                .getVerdict();
    }

    @Test
    void oneSerialOneMacForever() {
        TestApi.freshRange(8);
        String a = assign("A00000000000000000000001");
        assertEquals(a, assign("a00000000000000000000001"));
        String b = assign("A00000000000000000000002");
        assertNotEquals(a, b);
        // Retiring the range stops new assignments but keeps existing ones.
        TestApi.freshRange(8);
        assertEquals(a, assign("A00000000000000000000001"));
    }

    @Test
    void aMacInOtpIsConfirmedAdoptedRecordedOrRefused() {
        long first = TestApi.freshRange(4);
        String owned = assign("B00000000000000000000001");
        assertEquals(TestApi.mac(first), owned);

        // Inside a range, unassigned: adopted, and the pool skips it from now on.
        String inRange = TestApi.mac(first + 1);
        assertEquals(OtpMacVerdict.OTP_MAC_VERDICT_ADOPTED, report("B00000000000000000000002", inRange));
        asAdmin().get("/api/v1/macs/" + inRange).then().statusCode(200)
                .body("state", equalTo("FUSED")).body("origin", equalTo("ADOPTED"))
                .body("boardSerial", equalTo("B00000000000000000000002"));
        assertEquals(TestApi.mac(first + 2), assign("B00000000000000000000003"));

        // Outside every range: recorded as external. Reporting it again is idempotent.
        assertEquals(OtpMacVerdict.OTP_MAC_VERDICT_EXTERNAL, report("B00000000000000000000004", "0A:00:00:00:00:01"));
        assertEquals(OtpMacVerdict.OTP_MAC_VERDICT_CONFIRMED, report("B00000000000000000000004", "0a0000000001"));
        asAdmin().get("/api/v1/macs/0A:00:00:00:00:01").then().body("origin", equalTo("EXTERNAL"));

        // Another board's MAC: refused, and an alert an admin sees.
        Exception conflict = assertThrows(Exception.class, () -> report("B00000000000000000000005", owned));
        ErrorInfo info = RigClient.assertError(conflict, Status.Code.FAILED_PRECONDITION, "MAC_CONFLICT");
        assertEquals("B00000000000000000000001", info.getMetadataOrThrow("owner_serial"));
        // The serial holds another MAC than the one in its OTP: refused, alert.
        Exception mismatch = assertThrows(Exception.class, () -> report("B00000000000000000000001", inRange));
        assertEquals(owned, RigClient.assertError(mismatch, Status.Code.FAILED_PRECONDITION, "MAC_MISMATCH")
                .getMetadataOrThrow("assigned_mac"));
        asAdmin().get("/api/v1/alerts").then().statusCode(200)
                .body("items.kind", hasItem("MAC_CONFLICT")).body("items.kind", hasItem("MAC_MISMATCH"))
                .body("items.find { it.kind == 'MAC_CONFLICT' }.message", containsString("B00000000000000000000001"));
        // Neither refusal changed who owns what.
        asAdmin().get("/api/v1/macs/" + owned).then().body("boardSerial", equalTo("B00000000000000000000001"));
        assertEquals(owned, assign("B00000000000000000000001"));
    }

    @Test
    void anAddressEndingIn0000IsNeverHandedOutBecauseItsOtpWordWouldReadBlank() {
        long block = TestApi.nextBlock();
        TestApi.freshRange(block + 0xFFFF, block + 0x10001);
        asAdmin().get("/api/v1/mac-pool").then().body("available", equalTo(2));
        assertEquals(TestApi.mac(block + 0xFFFF), assign("F00000000000000000000001"));
        assertEquals(TestApi.mac(block + 0x10001), assign("F00000000000000000000002"));
        Exception e = assertThrows(Exception.class, () -> assign("F00000000000000000000003"));
        RigClient.assertError(e, Status.Code.RESOURCE_EXHAUSTED, "MAC_POOL_EXHAUSTED");
    }

    @Test
    void aQuarantinedMacIsNeverHandedOutAgain() {
        TestApi.freshRange(4);
        String mac = assign("C00000000000000000000001");
        asAdmin().body(Map.of("reason", "board scrapped: cracked PCB")).post("/api/v1/macs/" + mac + "/quarantine")
                .then().statusCode(200).body("state", equalTo("QUARANTINED"));
        Exception e = assertThrows(Exception.class, () -> assign("C00000000000000000000001"));
        assertEquals(mac, RigClient.assertError(e, Status.Code.FAILED_PRECONDITION, "MAC_QUARANTINED")
                .getMetadataOrThrow("mac"));
        assertNotEquals(mac, assign("C00000000000000000000002"));
        // The scrapped board turning up with its MAC in OTP is not confirmed back into use either.
        Exception reported = assertThrows(Exception.class, () -> report("C00000000000000000000001", mac));
        RigClient.assertError(reported, Status.Code.FAILED_PRECONDITION, "MAC_QUARANTINED");
        asAdmin().get("/api/v1/macs/" + mac).then().body("state", equalTo("QUARANTINED"))
                .body("quarantineReason", equalTo("board scrapped: cracked PCB"));
        asAdmin().get("/api/v1/audit").then().statusCode(200)
                .body("items.find { it.action == 'mac.quarantine' }.subject", equalTo(mac))
                .body("items.find { it.action == 'mac.quarantine' }.actor", equalTo("bootstrap-admin"));
    }

    @Test
    void anEmptyPoolSaysSoAndTheCountsTellBeforehand() throws Exception {
        long first = TestApi.freshRange(2);
        asAdmin().get("/api/v1/mac-pool").then().statusCode(200).body("available", equalTo(2));
        assign("D00000000000000000000001");
        assign("D00000000000000000000002");
        asAdmin().get("/api/v1/mac-pool").then().body("available", equalTo(0));
        Exception e = assertThrows(Exception.class, () -> assign("D00000000000000000000003"));
        RigClient.assertError(e, Status.Code.RESOURCE_EXHAUSTED, "MAC_POOL_EXHAUSTED");
        TestApi.awaitMetric(management, "flashrig_macs_available 0.0");

        int id = asAdmin().get("/api/v1/mac-ranges").then().extract()
                .path("find { it.first == '" + TestApi.mac(first) + "' }.id");
        asAdmin().get("/api/v1/mac-ranges/" + id).then().body("assigned", equalTo(2)).body("size", equalTo(2));
        asAdmin().delete("/api/v1/mac-ranges/" + id).then().statusCode(409)
                .body("detail", containsString("Retire it instead"));

        long unused = TestApi.freshRange(3);
        int unusedId = asAdmin().get("/api/v1/mac-ranges").then().extract()
                .path("find { it.first == '" + TestApi.mac(unused) + "' }.id");
        asAdmin().delete("/api/v1/mac-ranges/" + unusedId).then().statusCode(204);
        asAdmin().get("/api/v1/mac-ranges/" + unusedId).then().statusCode(404);
    }

    @Test
    void theDatabaseItselfRefusesWhatTheInvariantsForbid() throws Exception {
        long first = TestApi.freshRange(4);
        String mac = assign("AB0000000000000000000001");
        // Straight SQL, as a replica with a bug in its code would write: the constraints still refuse.
        try (Connection c = TestApi.directDataSource().getConnection(); Statement sql = c.createStatement()) {
            SQLException secondBoard = assertThrows(SQLException.class, () -> sql.executeUpdate(
                    "INSERT INTO mac_assignment (mac, board_serial, state, origin, assigned_at, range_id) VALUES ("
                            + MacAddress.parse(mac).value() + ", 'AB0000000000000000000002', 'ASSIGNED', 'POOL', now(),"
                            + " (SELECT id FROM mac_range WHERE first_mac = " + first + "))"));
            assertEquals("23505", secondBoard.getSQLState());
            SQLException secondMac = assertThrows(SQLException.class, () -> sql.executeUpdate(
                    "INSERT INTO mac_assignment (mac, board_serial, state, origin, assigned_at, range_id) VALUES ("
                            + (first + 3) + ", 'AB0000000000000000000001', 'ASSIGNED', 'POOL', now(),"
                            + " (SELECT id FROM mac_range WHERE first_mac = " + first + "))"));
            assertEquals("23505", secondMac.getSQLState());
            SQLException overlap = assertThrows(SQLException.class, () -> sql.executeUpdate(
                    "INSERT INTO mac_range (first_mac, last_mac, label, created_at) VALUES ("
                            + (first + 2) + ", " + (first + 10) + ", 'overlap', now())"));
            assertEquals("23P01", overlap.getSQLState());
        }
    }
}
