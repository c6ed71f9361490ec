package io.flashrig.server.pool;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.MacState;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.RigClient;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant: while one rig may be writing a serial's MAC into OTP, no other rig is given that MAC to write, so two chips
 * reporting the same serial on two rigs cannot both be fused with it. A retry or a restarted agent on the same rig is
 * not blocked, and the lease ends when the attempt ends, the MAC is verified, or its time runs out.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class MacWriteLeaseTest {

    private static int serials;

    @TestHTTPResource("/")
    URL server;

    private RigClient rigA;
    private RigClient rigB;
    private String nameA;
    private String nameB;

    @BeforeEach
    void rigs() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        nameA = "rig-lease-a-" + suffix;
        nameB = "rig-lease-b-" + suffix;
        rigA = new RigClient(server, TestApi.registerRig(nameA));
        rigB = new RigClient(server, TestApi.registerRig(nameB));
        TestApi.freshRange(8);
    }

    @AfterEach
    void close() throws InterruptedException {
        rigA.close();
        rigB.close();
    }

    private static String newSerial() {
        return String.format("1EA5E%019X", ++serials);
    }

    private static AssignMacResponse assign(RigClient rig, String serial, String attemptId) {
        return rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).setAttemptId(attemptId).build());
    }

    private static Duration lease(AssignMacResponse response) {
        return Duration.ofSeconds(response.getWriteLease().getSeconds(), response.getWriteLease().getNanos());
    }

    @Test
    void anotherRigIsRefusedWhileTheLeaseRunsAndTheRefusalIsAnAlert() {
        String serial = newSerial();
        Events a = new Events(serial, 1);
        AssignMacResponse granted = assign(rigA, serial, a.attemptId());
        assertEquals(MacState.MAC_STATE_ASSIGNED, granted.getState());
        Duration lease = lease(granted);
        assertTrue(lease.compareTo(Duration.ofMinutes(9)) > 0 && lease.compareTo(Duration.ofMinutes(10)) <= 0,
                "the default write lease is 10 minutes, not " + lease);

        Exception refused = assertThrows(Exception.class, () -> assign(rigB, serial, UUID.randomUUID().toString()));
        ErrorInfo info = RigClient.assertError(refused, Status.Code.FAILED_PRECONDITION, "SERIAL_IN_USE");
        assertEquals(nameA, info.getMetadataOrThrow("rig"));
        assertTrue(Instant.parse(info.getMetadataOrThrow("lease_until")).isAfter(Instant.now()));
        asAdmin().get("/api/v1/alerts").then().statusCode(200)
                .body("items.findAll { it.kind == 'SERIAL_IN_USE' }.serial", hasItem(serial));
        asAdmin().get("/api/v1/macs/" + granted.getMac()).then().statusCode(200)
                .body("writeLeaseRig", equalTo(nameA)).body("writeLeaseUntil", notNullValue());

        // A retry of the same attempt, and a new attempt of the same rig (a restarted agent), get the MAC and a
        // renewed lease.
        assertEquals(granted.getMac(), assign(rigA, serial, a.attemptId()).getMac());
        AssignMacResponse restarted = assign(rigA, serial, UUID.randomUUID().toString());
        assertEquals(granted.getMac(), restarted.getMac());
        assertTrue(lease(restarted).compareTo(Duration.ofMinutes(9)) > 0);
    }

    @Test
    void theLeaseEndsWithTheAttemptAndTheMacStaysTheSerials() throws Exception {
        String serial = newSerial();
        Events a = new Events(serial, 1);
        String mac = assign(rigA, serial, a.attemptId()).getMac();
        assertThrows(Exception.class, () -> assign(rigB, serial, UUID.randomUUID().toString()));

        OpenSessionResponse session = rigA.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
        try (RigClient.EventStream stream = rigA.stream()) {
            stream.send(RigClient.batch(session, a.detected(), a.otpBlank(),
                    a.failed(FailureReason.FAILURE_REASON_OTP_WRITE_FAILED, "Error: OTP write failed")));
        }
        // The board moved to rig B: same serial, same MAC, and now B holds the lease.
        Events b = new Events(serial, 1);
        AssignMacResponse moved = assign(rigB, serial, b.attemptId());
        assertEquals(mac, moved.getMac());
        Exception refused = assertThrows(Exception.class, () -> assign(rigA, serial, UUID.randomUUID().toString()));
        assertEquals(nameB, RigClient.assertError(refused, Status.Code.FAILED_PRECONDITION, "SERIAL_IN_USE")
                .getMetadataOrThrow("rig"));

        // Verified in OTP: FUSED, no lease to hold; a blank board asking now learns the MAC is burnt elsewhere.
        OpenSessionResponse sessionB = rigB.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
        try (RigClient.EventStream stream = rigB.stream()) {
            stream.send(RigClient.batch(sessionB, b.detected(), b.otpBlank(), b.macWritten(mac), b.macVerified(mac)));
        }
        AssignMacResponse fused = assign(rigA, serial, UUID.randomUUID().toString());
        assertEquals(MacState.MAC_STATE_FUSED, fused.getState());
        assertFalse(fused.hasWriteLease(), "a FUSED MAC carries no write lease");
        asAdmin().get("/api/v1/macs/" + mac).then().statusCode(200).body("state", equalTo("FUSED"))
                .body("writeLeaseRig", nullValue()).body("writeLeaseUntil", nullValue());
    }

    @Test
    void anExpiredLeaseNoLongerBlocks() throws Exception {
        String serial = newSerial();
        String mac = assign(rigA, serial, UUID.randomUUID().toString()).getMac();
        // Rig A went silent mid-fuse; its lease runs out (set back in time rather than waiting ten minutes).
        try (Connection c = TestApi.directDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE mac_assignment SET lease_until = now() - interval '1 second' WHERE board_serial = ?")) {
            ps.setString(1, serial);
            assertEquals(1, ps.executeUpdate());
        }
        AssignMacResponse taken = assign(rigB, serial, UUID.randomUUID().toString());
        assertEquals(mac, taken.getMac());
        assertEquals(MacState.MAC_STATE_ASSIGNED, taken.getState());
        assertTrue(taken.hasWriteLease());
    }
}
