package io.flashrig.server.dashboard;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A revoked admin or viewer token loses the live stream it opened, not only its next request. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class StreamRevocationTest {

    /** Far beyond the promise (one keep-alive period, 15 s): a bound on the wait, not a measurement. */
    private static final long END_WITHIN_SECONDS = 45;

    @TestHTTPResource("/")
    URL server;

    @Test
    void aRevokedViewerTokensOpenStreamIsClosedAndOthersStayOpen() throws Exception {
        JsonPath revoked = issue("line-2 viewer, left the company", "viewer");
        JsonPath kept = issue("line-3 viewer", "viewer");
        try (LiveSubscriber doomed = LiveSubscriber.overHttp1(server, revoked.getString("token"));
                LiveSubscriber other = LiveSubscriber.overHttp1(server, kept.getString("token"))) {
            asAdmin().delete("/api/v1/tokens/" + revoked.getLong("id")).then().statusCode(204);

            doomed.awaitEnd(END_WITHIN_SECONDS);
            assertFalse(other.ended(), "revoking one token ended the stream of another");
            // The dashboard reconnects, as after any lost stream, and is told why it may not.
            given().header("Authorization", "Bearer " + revoked.getString("token")).get("/api/v1/live/events")
                    .then().statusCode(401);

            asAdmin().delete("/api/v1/tokens/" + kept.getLong("id")).then().statusCode(204);
            other.awaitEnd(END_WITHIN_SECONDS);
        }
    }

    @Test
    void aRevokedAdminTokensOpenStreamIsClosed() throws Exception {
        JsonPath admin = issue("night-shift admin", "admin");
        try (LiveSubscriber stream = LiveSubscriber.overHttp1(server, admin.getString("token"))) {
            asAdmin().delete("/api/v1/tokens/" + admin.getLong("id")).then().statusCode(204);
            stream.awaitEnd(END_WITHIN_SECONDS);
        }
    }

    @Test
    void aRevocationWhileTheLiveFeedIsAwayFromTheDatabaseStillClosesTheStream() throws Exception {
        JsonPath viewer = issue("viewer revoked during a failover", "viewer");
        try (LiveSubscriber stream = LiveSubscriber.overHttp1(server, viewer.getString("token"))) {
            // Cut the live feed's listening connection, as a database failover would. It waits a second before it
            // connects again, so the revocation below commits while nobody listens: its NOTIFY reaches no replica, and
            // only the look-up on reconnecting can close the stream. (Were the revocation slower than that second, the
            // NOTIFY would close it: the test passes then without telling.)
            assertEquals(1, TestApi.count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE pid <> pg_backend_pid() AND (query LIKE 'LISTEN %' OR query LIKE '%FROM api_token WHERE"
                    + " revoked_at >=%')"), "the live feed's listening connection was not found");
            asAdmin().delete("/api/v1/tokens/" + viewer.getLong("id")).then().statusCode(204);
            stream.awaitEnd(END_WITHIN_SECONDS);
        }
    }

    private static JsonPath issue(String name, String role) {
        return asAdmin().body(Map.of("name", name, "role", role)).post("/api/v1/tokens").then().statusCode(201)
                .extract().jsonPath();
    }
}
