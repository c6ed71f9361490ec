package io.flashrig.server.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.GetBoardLabelRequest;
import io.flashrig.proto.rig.v1.GetBoardLabelResponse;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** GetBoardLabel: a board's label from the server's record, for any rig, and only once its MAC is verified. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class BoardLabelTest {

    @TestHTTPResource("/")
    URL server;

    @Test
    void anotherRigReadsTheLabelTheVerifyingRigPrinted() throws Exception {
        TestApi.freshRange(4);
        String flashing = TestApi.registerRig("rig-label-flashing");
        String reprinting = TestApi.registerRig("rig-label-reprinting");
        String serial = "003C0047343051153638AB01";
        Events board = new Events(serial, 1);
        String mac;
        try (RigClient rig = new RigClient(server, flashing); RigClient.EventStream stream = rig.stream()) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            stream.send(RigClient.batch(session, board.detected(), board.flashStarted(), board.flashed(), board.otpBlank()));
            mac = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial).build()).getMac();
            stream.send(RigClient.batch(session, board.macWritten(mac), board.macVerified(mac), board.done(mac)));
        }

        try (RigClient other = new RigClient(server, reprinting)) {
            GetBoardLabelResponse label = other.rpc().getBoardLabel(GetBoardLabelRequest.newBuilder()
                    .setSerial(serial.toLowerCase()).build());
            assertEquals(serial, label.getSerial());
            assertEquals(mac, label.getMac());
            assertEquals("rig-label-flashing", label.getRigName());
            // Events stamps the sixth event (MAC verified) sixty seconds after its start.
            assertEquals(Instant.parse("2026-11-27T08:01:00Z").getEpochSecond(), label.getVerifiedAt().getSeconds());
        }
    }

    @Test
    void aSerialWithoutAMacIsNotFoundAndAnUnverifiedMacHasNoLabelYet() throws Exception {
        TestApi.freshRange(4);
        String token = TestApi.registerRig("rig-label-early");
        try (RigClient rig = new RigClient(server, token)) {
            StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> rig.rpc()
                    .getBoardLabel(GetBoardLabelRequest.newBuilder().setSerial("003C0047343051153638AB02").build()));
            assertEquals("003C0047343051153638AB02",
                    RigClient.assertError(unknown, Status.Code.NOT_FOUND, "BOARD_NOT_FOUND").getMetadataOrThrow("serial"));

            String mac = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial("003C0047343051153638AB03").build()).getMac();
            StatusRuntimeException unverified = assertThrows(StatusRuntimeException.class, () -> rig.rpc()
                    .getBoardLabel(GetBoardLabelRequest.newBuilder().setSerial("003C0047343051153638AB03").build()));
            assertEquals(mac, RigClient.assertError(unverified, Status.Code.FAILED_PRECONDITION, "MAC_NOT_VERIFIED")
                    .getMetadataOrThrow("mac"));

            TestApi.asAdmin().body(Map.of("reason", "scrapped")).post("/api/v1/macs/" + mac + "/quarantine")
                    .then().statusCode(200);
            StatusRuntimeException scrapped = assertThrows(StatusRuntimeException.class, () -> rig.rpc()
                    .getBoardLabel(GetBoardLabelRequest.newBuilder().setSerial("003C0047343051153638AB03").build()));
            RigClient.assertError(scrapped, Status.Code.FAILED_PRECONDITION, "MAC_QUARANTINED");

            StatusRuntimeException malformed = assertThrows(StatusRuntimeException.class, () -> rig.rpc()
                    .getBoardLabel(GetBoardLabelRequest.newBuilder().setSerial("^XA^FDx^XZ").build()));
            RigClient.assertError(malformed, Status.Code.INVALID_ARGUMENT, "INVALID_SERIAL");
        }
    }

    @Test
    void aTokenThatIsNotARigsReadsNoLabel() throws Exception {
        try (RigClient admin = new RigClient(server, TestApi.ADMIN_TOKEN)) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> admin.rpc()
                    .getBoardLabel(GetBoardLabelRequest.newBuilder().setSerial("003C0047343051153638AB01").build()));
            RigClient.assertError(refused, Status.Code.PERMISSION_DENIED, "NOT_A_RIG_TOKEN");
        }
    }
}
