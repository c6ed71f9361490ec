package io.flashrig.server.metrics;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Health and metrics answer on the management interface only; the public port, which rigs and browsers reach, serves
 * nothing under /q that holds data.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class ManagementPortTest {

    /** Operations paths that hold data or say how the server and its database are doing. */
    private static final List<String> OPERATIONS = List.of("/q/health", "/q/health/ready", "/q/health/live",
            "/q/health/started", "/q/metrics");

    @TestHTTPResource("/")
    URL server;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void healthAndMetricsAnswerOnTheManagementPort() {
        assertNotEquals(server.getPort(), management.getPort());
        TestApi.management(management).get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", org.hamcrest.Matchers.hasItem(containsString("Database")));
        TestApi.management(management).get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        TestApi.management(management).get("/q/health/started").then().statusCode(200);
        TestApi.management(management).get("/q/metrics").then().statusCode(200)
                .body(containsString("flashrig_macs_available"))
                .body(containsString("flashrig_rigs_connected"));
    }

    @Test
    void thePublicPortHasNoHealthOrMetrics() {
        for (String path : OPERATIONS) {
            RestAssured.get(path).then().statusCode(404);
            // Nor with a token: these are not the API's to serve.
            TestApi.asAdmin().get(path).then().statusCode(404);
        }
    }

    @Test
    void theManagementPortServesNoApi() {
        TestApi.management(management).header("Authorization", "Bearer " + TestApi.ADMIN_TOKEN)
                .get("/api/v1/mac-pool").then().statusCode(404);
    }

    @Test
    void whatThePublicPortServesUnderQHoldsNoData() {
        // The API's description and its browser: no pool levels, serials or MACs, only what the API takes and answers.
        RestAssured.get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/mac-pool"))
                .body(not(containsString("flashrig_macs_available")));
        RestAssured.get("/q/swagger-ui/").then().statusCode(200);
        // No development tools in a built server.
        RestAssured.get("/q/dev-ui").then().statusCode(404);
        RestAssured.get("/q/info").then().statusCode(404);
    }
}
