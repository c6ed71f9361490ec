package io.flashrig.server.security;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.junit.jupiter.api.Test;

/**
 * Caching accepted tokens must not keep a revoked one alive: a token revoked behind this replica's back (by another
 * replica, or by hand in SQL) stops working here without any call through this replica's API.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class TokenCacheTest {

    @TestHTTPResource("/")
    URL server;

    @Test
    void aTokenRevokedElsewhereIsRefusedHereSoon() throws Exception {
        String viewer = asAdmin().body(Map.of("name", "cached viewer", "role", "viewer")).post("/api/v1/tokens")
                .then().statusCode(201).extract().path("token");
        // Used twice, so the second answer may come from the cache.
        given().header("Authorization", "Bearer " + viewer).get("/api/v1/mac-pool").then().statusCode(200);
        given().header("Authorization", "Bearer " + viewer).get("/api/v1/mac-pool").then().statusCode(200);

        try (Connection c = TestApi.directDataSource().getConnection();
                PreparedStatement revoke = c.prepareStatement(
                        "UPDATE api_token SET revoked_at = now() WHERE name = 'cached viewer'")) {
            revoke.executeUpdate();
        }

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                given().header("Authorization", "Bearer " + viewer).get("/api/v1/mac-pool").then().statusCode(401));
    }

    /** AssignMac answers on the event loop for a rig token the cache knows: a revocation still reaches it. */
    @Test
    void aRigTokenRevokedElsewhereIsRefusedOnAssignMacSoon() throws Exception {
        TestApi.freshRange(4);
        String token = TestApi.registerRig("rig-cache-assign");
        try (RigClient rig = new RigClient(server, token)) {
            for (int i = 1; i <= 2; i++) {
                rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial("0043414348454D4143000" + i + "00").build());
            }
            try (Connection c = TestApi.directDataSource().getConnection(); PreparedStatement revoke = c.prepareStatement(
                    "UPDATE rig SET revoked_at = now() WHERE name = 'rig-cache-assign'")) {
                revoke.executeUpdate();
            }
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    RigClient.assertError(assertThrows(Exception.class, () -> rig.rpc().assignMac(AssignMacRequest
                            .newBuilder().setSerial("0043414348454D4143000300").build())),
                            Status.Code.UNAUTHENTICATED, "RIG_REVOKED"));
        }
    }

    /**
     * A rig's session and every stream request write its row (last seen, session): that must not empty every
     * replica's cache (issue 18: a rig token looked up in the database again on nearly every request under load),
     * while a real change of a credential still does. Notifications arrive in commit order, so any the rig's writes
     * sent would be heard before the revocation's.
     */
    @Test
    void aRigsStreamDoesNotEmptyTheCacheButARevocationDoes() throws Exception {
        String token = TestApi.registerRig("rig-cache-stream");
        asAdmin().body(Map.of("name", "revoked after a stream", "role", "viewer")).post("/api/v1/tokens")
                .then().statusCode(201);
        try (Connection listening = TestApi.directDataSource().getConnection();
                Statement statement = listening.createStatement()) {
            statement.execute("LISTEN " + TokenCache.CHANNEL);
            try (RigClient rig = new RigClient(server, token)) {
                OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
                try (RigClient.EventStream stream = rig.stream()) {
                    for (int i = 0; i < 3; i++) {
                        stream.send(RigClient.batch(session));
                    }
                }
            }
            try (Connection c = TestApi.directDataSource().getConnection(); PreparedStatement revoke = c.prepareStatement(
                    "UPDATE api_token SET revoked_at = now() WHERE name = 'revoked after a stream'")) {
                revoke.executeUpdate();
            }
            List<String> heard = new ArrayList<>();
            PGConnection postgres = listening.unwrap(PGConnection.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                PGNotification[] notifications = postgres.getNotifications(100);
                for (PGNotification n : notifications == null ? new PGNotification[0] : notifications) {
                    heard.add(n.getParameter());
                }
                return heard.contains("api_token");
            });
            assertEquals(List.of("api_token"), heard, "the tables whose changes emptied the caches");
        }
    }
}
