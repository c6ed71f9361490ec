package io.flashrig.server.security;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Who may do what: REST 401/403 by token and role, gRPC only with a rig token, revoked rigs cut off. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class AuthTest {

    @TestHTTPResource("/")
    URL server;

    @Test
    void restNeedsATokenAndTheRightRole() {
        given().get("/api/v1/mac-pool").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer")).body("detail", containsString("Bearer"));
        given().header("Authorization", "Bearer nope").get("/api/v1/mac-pool").then().statusCode(401)
                .contentType("application/problem+json");
        given().header("Authorization", "Basic YWRtaW46YWRtaW4=").get("/api/v1/rigs").then().statusCode(401);

        String viewer = asAdmin().body(Map.of("name", "auditor", "role", "viewer")).post("/api/v1/tokens")
                .then().statusCode(201).header("Location", containsString("/api/v1/tokens/"))
                .body("role", equalTo("VIEWER")).extract().path("token");
        given().header("Authorization", "Bearer " + viewer).get("/api/v1/mac-pool").then().statusCode(200);
        given().header("Authorization", "Bearer " + viewer).contentType(ContentType.JSON)
                .body(Map.of("name", "rig-by-viewer")).post("/api/v1/rigs").then().statusCode(403)
                .contentType("application/problem+json").body("detail", containsString("admin"));
        asAdmin().get("/api/v1/rigs").then().body("name", org.hamcrest.Matchers.not(hasItem("rig-by-viewer")));

        String rigToken = TestApi.registerRig("rig-rest-refused");
        given().header("Authorization", "Bearer " + rigToken).get("/api/v1/boards").then().statusCode(403)
                .body("detail", containsString("gRPC"));

        // An admin issues admin tokens too, and revoking a token ends its use.
        String admin = asAdmin().body(Map.of("name", "second admin", "role", "ADMIN")).post("/api/v1/tokens")
                .then().statusCode(201).extract().path("token");
        int adminId = given().header("Authorization", "Bearer " + admin).get("/api/v1/tokens").then()
                .statusCode(200).extract().path("find { it.name == 'second admin' }.id");
        given().header("Authorization", "Bearer " + admin).delete("/api/v1/tokens/" + adminId).then().statusCode(204);
        given().header("Authorization", "Bearer " + admin).get("/api/v1/tokens").then().statusCode(401);
        asAdmin().get("/api/v1/audit").then().body("items.action", hasItem("token.issue"))
                .body("items.action", hasItem("token.revoke"));
    }

    @Test
    void grpcNeedsARigToken() throws Exception {
        AssignMacRequest request = AssignMacRequest.newBuilder().setSerial("F00000000000000000000001").build();
        try (RigClient none = new RigClient(server, null)) {
            RigClient.assertError(assertThrows(Exception.class, () -> none.rpc().assignMac(request)),
                    Status.Code.UNAUTHENTICATED, "TOKEN_MISSING");
        }
        try (RigClient unknown = new RigClient(server, "frr_unknown")) {
            RigClient.assertError(assertThrows(Exception.class, () -> unknown.rpc().assignMac(request)),
                    Status.Code.UNAUTHENTICATED, "TOKEN_INVALID");
        }
        try (RigClient admin = new RigClient(server, TestApi.ADMIN_TOKEN)) {
            RigClient.assertError(assertThrows(Exception.class, () -> admin.rpc().assignMac(request)),
                    Status.Code.PERMISSION_DENIED, "NOT_A_RIG_TOKEN");
        }
    }

    @Test
    void aRevokedRigIsCutOffEvenMidStream() throws Exception {
        TestApi.freshRange(4);
        String token = TestApi.registerRig("rig-revoked");
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse session = rig.rpc().openSession(OpenSessionRequest.newBuilder()
                    .setQueueId(UUID.randomUUID().toString()).setAgentVersion("0.1.0").build());
            Events board = new Events("F00000000000000000000002", 1);
            try (RigClient.EventStream stream = rig.stream()) {
                assertEquals(1, stream.send(StreamBoardEventsRequest.newBuilder().setSessionId(session.getSessionId())
                        .addEvents(board.detected()).build()).getCommittedThroughSequence());
                asAdmin().delete("/api/v1/rigs/rig-revoked").then().statusCode(204);
                BoardEvent next = board.flashStarted();
                Exception e = assertThrows(Exception.class, () -> stream.send(StreamBoardEventsRequest.newBuilder()
                        .setSessionId(session.getSessionId()).addEvents(next).build()));
                assertEquals("rig-revoked", RigClient.assertError(e, Status.Code.UNAUTHENTICATED, "RIG_REVOKED")
                        .getMetadataOrThrow("rig"));
            }
            RigClient.assertError(assertThrows(Exception.class, () -> rig.rpc().assignMac(
                    AssignMacRequest.newBuilder().setSerial("F00000000000000000000002").build())),
                    Status.Code.UNAUTHENTICATED, "RIG_REVOKED");
            assertEquals(1, TestApi.count("SELECT count(*) FROM board_event WHERE serial = 'F00000000000000000000002'"));
        }
        asAdmin().get("/api/v1/rigs/rig-revoked").then().body("revoked", equalTo(true))
                .body("connected", equalTo(false));
    }
}
