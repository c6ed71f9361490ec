package io.flashrig.server.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;

import io.flashrig.server.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

/** The published API description tells clients (and Swagger UI's "Authorize") how to send their token. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class ApiDocumentationTest {

    @Test
    void theOpenApiDescriptionDeclaresBearerTokensForTheWholeApi() {
        RestAssured.given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("components.securitySchemes.bearer.type", equalTo("http"))
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                .body("security[0]", hasKey("bearer"))
                .body("paths", hasKey("/api/v1/mac-ranges"));
    }
}
