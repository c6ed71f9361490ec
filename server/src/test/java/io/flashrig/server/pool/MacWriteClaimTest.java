package io.flashrig.server.pool;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.rpc.ErrorInfo;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.ClaimMacWriteRequest;
import io.flashrig.proto.rig.v1.ClaimMacWriteResponse;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant: a MAC is written into one board only. Two chips reporting one serial get the same MAC from AssignMac, so
 * the one OTP write is claimed, and only the first claim is granted — until the MAC is verified, whatever the claiming
 * attempt reports, however long it takes, unless an admin releases it.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class MacWriteClaimTest {

    private static int serials;

    @TestHTTPResource("/")
    URL server;

    private RigClient rigA;
    private RigClient rigB;
    private String nameA;

    @BeforeEach
    void rigs() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        nameA = "rig-claim-a-" + suffix;
        rigA = new RigClient(server, TestApi.registerRig(nameA));
        rigB = new RigClient(server, TestApi.registerRig("rig-claim-b-" + suffix));
        TestApi.freshRange(8);
    }

    @AfterEach
    void close() throws InterruptedException {
        rigA.close();
        rigB.close();
    }

    private static String newSerial() {
        return String.format("C1A1E%019X", ++serials);
    }

    private static String assign(RigClient rig, String serial) {
        return rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).build()).getMac();
    }

    private static ClaimMacWriteResponse claim(RigClient rig, String serial, String mac, String writeId) {
        return rig.rpc().claimMacWrite(ClaimMacWriteRequest.newBuilder().setSerial(serial).setMac(mac)
                .setWriteId(writeId).setAttemptId(UUID.randomUUID().toString()).build());
    }

    @Test
    void theFirstClaimWinsAndOnlyItsWriteIdMayResumeIt() {
        String serial = newSerial();
        String mac = assign(rigA, serial);
        assertEquals(mac, assign(rigB, serial), "AssignMac is idempotent by serial, from any rig");
        String writeA = UUID.randomUUID().toString();
        ClaimMacWriteResponse first = claim(rigA, serial, mac, writeA);

        Exception refused = assertThrows(Exception.class, () -> claim(rigB, serial, mac, UUID.randomUUID().toString()));
        ErrorInfo info = RigClient.assertError(refused, Status.Code.FAILED_PRECONDITION, "SERIAL_IN_USE");
        assertEquals(nameA, info.getMetadataOrThrow("rig"));
        // The same rig with another write id (a second chip with this serial on the same hub) is refused as well.
        assertThrows(Exception.class, () -> claim(rigA, serial, mac, UUID.randomUUID().toString()));
        asAdmin().get("/api/v1/alerts").then().statusCode(200)
                .body("items.findAll { it.kind == 'SERIAL_IN_USE' }.serial", hasItem(serial));

        // A retry, or the agent after a restart, presents the same write id: the claim is resumed, as first made.
        assertEquals(first.getClaimedAt(), claim(rigA, serial, mac, writeA).getClaimedAt());
        asAdmin().get("/api/v1/macs/" + mac).then().statusCode(200)
                .body("writeClaimedBy", equalTo(nameA)).body("writeClaimedAt", notNullValue());
    }

    @Test
    void aFailedAttemptKeepsItsClaimUntilAnAdminReleasesIt() throws Exception {
        String serial = newSerial();
        Events a = new Events(serial, 1);
        String mac = assign(rigA, serial);
        claim(rigA, serial, mac, a.attemptId());
        OpenSessionResponse session = rigA.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
        try (RigClient.EventStream stream = rigA.stream()) {
            stream.send(RigClient.batch(session, a.detected(), a.otpBlank(),
                    a.failed(FailureReason.FAILURE_REASON_OTP_WRITE_FAILED, "Error: OTP write failed")));
        }
        // The write may have reached the board before it failed: nobody else may write this MAC now.
        assertThrows(Exception.class, () -> claim(rigB, serial, mac, UUID.randomUUID().toString()));

        asAdmin().body(Map.of("reason", " ")).post("/api/v1/macs/" + mac + "/release-write").then().statusCode(400);
        asAdmin().body(Map.of("reason", "OTP words 57/58 of the board read blank")).post("/api/v1/macs/" + mac
                + "/release-write").then().statusCode(200).body("writeClaimedBy", nullValue());
        asAdmin().body(Map.of("reason", "again")).post("/api/v1/macs/" + mac + "/release-write").then()
                .statusCode(409).body("detail", containsString("no claimed write"));
        asAdmin().get("/api/v1/audit").then()
                .body("items.find { it.action == 'mac.release-write' }.subject", equalTo(mac));

        Events b = new Events(serial, 1);
        claim(rigB, serial, mac, b.attemptId());
        OpenSessionResponse sessionB = rigB.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
        try (RigClient.EventStream stream = rigB.stream()) {
            stream.send(RigClient.batch(sessionB, b.detected(), b.otpBlank(), b.macWritten(mac), b.macVerified(mac)));
        }
        // Verified: a write claimed for it now means a second chip with this serial.
        Exception fused = assertThrows(Exception.class, () -> claim(rigB, serial, mac, b.attemptId()));
        RigClient.assertError(fused, Status.Code.FAILED_PRECONDITION, "MAC_CONFLICT");
        asAdmin().body(Map.of("reason", "no")).post("/api/v1/macs/" + mac + "/release-write").then().statusCode(409);
    }

    @Test
    void ofClaimsRacingFromTwoRigsExactlyOneWins() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            for (int round = 0; round < 8; round++) {
                String serial = newSerial();
                String mac = assign(rigA, serial);
                List<Future<Boolean>> claims = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    RigClient rig = i % 2 == 0 ? rigA : rigB;
                    claims.add(threads.submit(() -> {
                        try {
                            claim(rig, serial, mac, UUID.randomUUID().toString());
                            return true;
                        } catch (Exception e) {
                            RigClient.assertError(e, Status.Code.FAILED_PRECONDITION, "SERIAL_IN_USE");
                            return false;
                        }
                    }));
                }
                int granted = 0;
                for (Future<Boolean> claim : claims) {
                    granted += claim.get() ? 1 : 0;
                }
                assertEquals(1, granted, "claims granted for serial " + serial);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aClaimForAnotherMacOrAnUnassignedSerialOrWithoutAWriteIdIsRefused() {
        String serial = newSerial();
        String mac = assign(rigA, serial);
        String other = assign(rigA, newSerial());
        Exception wrongMac = assertThrows(Exception.class, () -> claim(rigA, serial, other, UUID.randomUUID().toString()));
        assertEquals(mac, RigClient.assertError(wrongMac, Status.Code.FAILED_PRECONDITION, "MAC_MISMATCH")
                .getMetadataOrThrow("assigned_mac"));
        Exception unassigned = assertThrows(Exception.class,
                () -> claim(rigA, newSerial(), mac, UUID.randomUUID().toString()));
        RigClient.assertError(unassigned, Status.Code.FAILED_PRECONDITION, "MAC_MISMATCH");
        Exception noWriteId = assertThrows(Exception.class, () -> claim(rigA, serial, mac, "1-2-3-4-5"));
        assertEquals("write_id", RigClient.assertError(noWriteId, Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST")
                .getMetadataOrThrow("field"));
        asAdmin().get("/api/v1/macs/" + mac).then().body("writeClaimedBy", nullValue());
    }
}
