package io.flashrig.server.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

/** Every answer a browser may render on the public port carries the security headers, error answers included. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class SecurityHeadersTest {

    @Test
    void theDashboardAndItsFilesAreServedUnderTheStrictPolicy() {
        strict(given().get("/dashboard/").then().statusCode(200));
        strict(given().get("/dashboard/dashboard.js").then().statusCode(200));
        strict(given().get("/dashboard/dashboard.css").then().statusCode(200));
    }

    @Test
    void theApiItsRefusalsAndUnknownPathsAlsoCarryThem() {
        strict(TestApi.asAdmin().get("/api/v1/mac-pool").then().statusCode(200));
        strict(given().get("/api/v1/mac-pool").then().statusCode(401));
        strict(TestApi.asAdmin().get("/api/v1/no-such-thing").then().statusCode(404));
        strict(given().get("/no-such-page").then().statusCode(404));
        strict(given().get("/dashboard/no-such-file.js").then().statusCode(404));
    }

    @Test
    void swaggerUiMayRunItsInlineStartButIsNotFramed() {
        given().get("/q/swagger-ui/").then().statusCode(200)
                .header("Content-Security-Policy", equalTo(SecurityHeaders.TOOLS_POLICY))
                .header("Content-Security-Policy", not(containsString("script-src")))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("X-Frame-Options", equalTo("DENY"));
    }

    private static void strict(ValidatableResponse response) {
        response.header("Content-Security-Policy", containsString("script-src 'self';"))
                .header("Content-Security-Policy", not(containsString("unsafe-inline")))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("X-Frame-Options", equalTo("DENY"));
    }
}
