package io.flashrig.server.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.CheckRigRequest;
import io.flashrig.proto.rig.v1.CheckRigResponse;
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
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** CheckRig reads, never writes: a doctor beside a running agent leaves its session and stream alone. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class RigCheckTest {

    @TestHTTPResource("/")
    URL server;

    @Test
    void checkingTheRigLeavesTheRunningAgentsSessionAndStreamAlone() throws Exception {
        String token = TestApi.registerRig("rig-checked");
        try (RigClient agent = new RigClient(server, token); RigClient.EventStream stream = agent.stream();
                RigClient doctor = new RigClient(server, token)) {
            OpenSessionResponse session = agent.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            Events board = new Events("003C0047343051153638D0C1", 1);
            stream.send(RigClient.batch(session, board.detected()));

            CheckRigResponse check = doctor.rpc().checkRig(CheckRigRequest.getDefaultInstance());
            assertEquals("rig-checked", check.getRigName());
            assertTrue(check.getConnected());
            assertEquals("rig-pc-1", check.getHostname());
            Instant serverTime = Instant.ofEpochSecond(check.getServerTime().getSeconds());
            assertTrue(Duration.between(serverTime, Instant.now()).abs().toSeconds() < 60, serverTime.toString());

            // The agent's session is still the current one: its next request is taken, not refused as unknown.
            assertEquals(2, stream.send(RigClient.batch(session, board.flashStarted())).getCommittedThroughSequence());
        }
        TestApi.asAdmin().get("/api/v1/rigs/rig-checked").then().statusCode(200)
                .body("hostname", org.hamcrest.Matchers.equalTo("rig-pc-1"));
    }

    @Test
    void aWrongTokenIsRefusedAsEverywhere() throws Exception {
        try (RigClient doctor = new RigClient(server, "not-a-token")) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> doctor.rpc().checkRig(CheckRigRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
        }
    }
}
