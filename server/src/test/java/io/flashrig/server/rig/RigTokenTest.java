package io.flashrig.server.rig;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A rig's token replaced by an admin (reinstalled rig computer, leaked token) and a revoked rig's name registered
 * again: the old token is refused everywhere at once, the rig and its history stay one.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class RigTokenTest {

    private static final int ADMINS_AT_ONCE = 6;

    @TestHTTPResource("/")
    URL server;

    @Test
    void aNewTokenCutsTheOldOneOffAndTheRigKeepsItsHistory() throws Exception {
        TestApi.freshRange(4);
        String oldToken = TestApi.registerRig("rig-rotated");
        String serial = "0052494730544F4B454E0001";
        String queue = UUID.randomUUID().toString();
        Events board = new Events(serial, 1);
        BoardEvent detected = board.detected();
        BoardEvent flashStarted = board.flashStarted();
        AssignMacResponse assigned;
        String newToken;
        try (RigClient old = new RigClient(server, oldToken)) {
            OpenSessionResponse session = old.rpc().openSession(RigClient.sessionRequest(queue));
            try (RigClient.EventStream stream = old.stream()) {
                assertEquals(1, stream.send(RigClient.batch(session, detected)).getCommittedThroughSequence());
                assigned = old.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial)
                        .setAttemptId(board.attemptId()).build());

                newToken = asAdmin().post("/api/v1/rigs/rig-rotated/token").then().statusCode(200)
                        .contentType("application/json").body("name", equalTo("rig-rotated"))
                        .body("token", startsWith("frr_")).extract().path("token");
                assertNotEquals(oldToken, newToken);
                // Whatever still streams holds the old token: the rig shows as disconnected until the new one speaks.
                asAdmin().get("/api/v1/rigs/rig-rotated").then().body("connected", equalTo(false));

                // The stream opened with the old token is cut off at its next request, and nothing of it is stored.
                Exception cut = assertThrows(Exception.class,
                        () -> stream.send(RigClient.batch(session, flashStarted)));
                ErrorInfo replaced = RigClient.assertError(cut, Status.Code.UNAUTHENTICATED, "TOKEN_REPLACED");
                assertEquals("rig-rotated", replaced.getMetadataOrThrow("rig"));
                assertNotNull(Instant.parse(replaced.getMetadataOrThrow("replaced_at")));
                assertTrue(cut.getMessage().contains("rig 'rig-rotated'") && cut.getMessage().contains("replaced"),
                        cut.getMessage());
            }
            RigClient.assertError(assertThrows(Exception.class, () -> old.rpc().assignMac(
                    AssignMacRequest.newBuilder().setSerial(serial).build())),
                    Status.Code.UNAUTHENTICATED, "TOKEN_REPLACED");
            RigClient.assertError(assertThrows(Exception.class, () -> old.rpc().openSession(
                    RigClient.sessionRequest(queue))), Status.Code.UNAUTHENTICATED, "TOKEN_REPLACED");
        }
        given().header("Authorization", "Bearer " + oldToken).get("/api/v1/rigs").then().statusCode(401)
                .contentType("application/problem+json").body("detail", containsString("replaced"));
        assertEquals(1, TestApi.count("SELECT count(*) FROM board_event WHERE serial = ?", serial));

        try (RigClient renewed = new RigClient(server, newToken)) {
            OpenSessionResponse session = renewed.rpc().openSession(RigClient.sessionRequest(queue));
            assertEquals("rig-rotated", session.getRigName());
            // The agent's event queue is the rig's, not the token's: it goes on where the old token left it.
            assertEquals(1, session.getCommittedThroughSequence());
            try (RigClient.EventStream stream = renewed.stream()) {
                assertEquals(2, stream.send(RigClient.batch(session, flashStarted)).getCommittedThroughSequence());
            }
            AssignMacResponse again = renewed.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial)
                    .setAttemptId(board.attemptId()).build());
            assertEquals(assigned.getMac(), again.getMac());
            assertFalse(again.getNewlyAssigned());
        }
        asAdmin().get("/api/v1/boards/" + serial).then().statusCode(200)
                .body("attempts.size()", equalTo(1)).body("attempts[0].rig", equalTo("rig-rotated"));
        asAdmin().get("/api/v1/boards/" + serial + "/events").then().body("total", equalTo(2));
        asAdmin().get("/api/v1/macs/" + assigned.getMac()).then().body("rig", equalTo("rig-rotated"));
        asAdmin().get("/api/v1/rigs/rig-rotated").then().statusCode(200).body("revoked", equalTo(false))
                .body("hostname", equalTo("rig-pc-1"));
        assertEquals(1, TestApi.count("SELECT count(*) FROM rig WHERE name = 'rig-rotated'"));
        asAdmin().get("/api/v1/audit").then()
                .body("items.find { it.action == 'rig.rotate-token' }.subject", equalTo("rig rig-rotated"))
                .body("items.find { it.action == 'rig.rotate-token' }.actor", equalTo("bootstrap-admin"));
    }

    @Test
    void aRevokedRigsNameBringsTheSameRigBackWithItsHistory() throws Exception {
        String oldToken = TestApi.registerRig("rig-returning");
        String serial = "0052494730544F4B454E0002";
        String queue = UUID.randomUUID().toString();
        try (RigClient old = new RigClient(server, oldToken)) {
            OpenSessionResponse session = old.rpc().openSession(RigClient.sessionRequest(queue));
            try (RigClient.EventStream stream = old.stream()) {
                stream.send(RigClient.batch(session, new Events(serial, 1).detected()));
            }
        }
        asAdmin().delete("/api/v1/rigs/rig-returning").then().statusCode(204);

        asAdmin().post("/api/v1/rigs/rig-returning/token").then().statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("was revoked"))
                .body("detail", containsString("register it again: POST /api/v1/rigs"));

        String newToken = asAdmin().body(Map.of("name", "rig-returning")).post("/api/v1/rigs").then().statusCode(200)
                .body("name", equalTo("rig-returning")).body("reactivated", equalTo(true))
                .body("token", startsWith("frr_")).extract().path("token");
        assertEquals(1, TestApi.count("SELECT count(*) FROM rig WHERE name = 'rig-returning'"));
        asAdmin().get("/api/v1/rigs/rig-returning").then().body("revoked", equalTo(false))
                .body("revokedAt", nullValue());

        try (RigClient old = new RigClient(server, oldToken)) {
            Exception e = assertThrows(Exception.class, () -> old.rpc().assignMac(
                    AssignMacRequest.newBuilder().setSerial(serial).build()));
            // Bringing the rig back gave it a new token: the revoked one now reads as replaced.
            RigClient.assertError(e, Status.Code.UNAUTHENTICATED, "TOKEN_REPLACED");
        }
        try (RigClient back = new RigClient(server, newToken)) {
            OpenSessionResponse session = back.rpc().openSession(RigClient.sessionRequest(queue));
            assertEquals("rig-returning", session.getRigName());
            assertEquals(1, session.getCommittedThroughSequence());
        }
        asAdmin().get("/api/v1/boards?rig=rig-returning").then().statusCode(200)
                .body("total", equalTo(1)).body("items[0].serial", equalTo(serial));

        // Back in service, the name is taken again; the refusal says how to replace the token instead.
        asAdmin().body(Map.of("name", "rig-returning")).post("/api/v1/rigs").then().statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("POST /api/v1/rigs/rig-returning/token"));
        asAdmin().get("/api/v1/audit").then()
                .body("items.find { it.action == 'rig.reactivate' }.subject", equalTo("rig rig-returning"));
    }

    @Test
    void onlyAnAdminGivesANewTokenAndOnlyToAKnownRig() throws Exception {
        String rigToken = TestApi.registerRig("rig-guarded");
        String viewer = asAdmin().body(Map.of("name", "rotation viewer", "role", "viewer")).post("/api/v1/tokens")
                .then().statusCode(201).extract().path("token");

        given().post("/api/v1/rigs/rig-guarded/token").then().statusCode(401)
                .contentType("application/problem+json");
        given().header("Authorization", "Bearer " + viewer).post("/api/v1/rigs/rig-guarded/token").then()
                .statusCode(403).contentType("application/problem+json").body("detail", containsString("admin"));
        given().header("Authorization", "Bearer " + rigToken).post("/api/v1/rigs/rig-guarded/token").then()
                .statusCode(403).contentType("application/problem+json");
        asAdmin().post("/api/v1/rigs/no-such-rig/token").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("no-such-rig"));

        // None of the refused calls replaced the token.
        try (RigClient rig = new RigClient(server, rigToken)) {
            assertEquals("rig-guarded", rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()))
                    .getRigName());
        }
        assertEquals(0, TestApi.count("SELECT count(*) FROM rig_retired_token t JOIN rig r ON r.id = t.rig_id"
                + " WHERE r.name = 'rig-guarded'"));
    }

    @Test
    void adminsRegisteringOneNameAtOnceGetOneRigAndClearRefusals() throws Exception {
        assertEquals(List.of(201, 409, 409, 409, 409, 409), registerAtOnce("rig-raced"));
        asAdmin().delete("/api/v1/rigs/rig-raced").then().statusCode(204);
        assertEquals(List.of(200, 409, 409, 409, 409, 409), registerAtOnce("rig-raced"));
        assertEquals(1, TestApi.count("SELECT count(*) FROM rig WHERE name = 'rig-raced'"));
        assertEquals(1, TestApi.count("SELECT count(*) FROM rig_retired_token t JOIN rig r ON r.id = t.rig_id"
                + " WHERE r.name = 'rig-raced'"));
    }

    /** The statuses of several admins registering one name at the same moment, sorted. */
    private List<Integer> registerAtOnce(String name) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.toString()).resolve("/api/v1/rigs"))
                .header("Authorization", "Bearer " + TestApi.ADMIN_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build();
        Callable<Integer> register = () -> http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        ExecutorService admins = Executors.newFixedThreadPool(ADMINS_AT_ONCE);
        try {
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> status : admins.invokeAll(Collections.nCopies(ADMINS_AT_ONCE, register))) {
                statuses.add(status.get());
            }
            Collections.sort(statuses);
            return statuses;
        } finally {
            admins.shutdownNow();
        }
    }
}
