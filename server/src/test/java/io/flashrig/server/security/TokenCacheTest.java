package io.flashrig.server.security;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Caching accepted tokens must not keep a revoked one alive: a token revoked behind this replica's back (by another
 * replica, or by hand in SQL) stops working here without any call through this replica's API.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class TokenCacheTest {

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
}
