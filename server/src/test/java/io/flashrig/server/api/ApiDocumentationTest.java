package io.flashrig.server.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;

import io.flashrig.server.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

/**
 * The published API description tells clients (and Swagger UI's "Authorize") how to send their token, and what the
 * calls answer.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class ApiDocumentationTest {

    private static final String NEW_RIG_TOKEN = "paths.'/api/v1/rigs/{name}/token'.post.responses";

    @Test
    void theOpenApiDescriptionDeclaresBearerTokensAndWhatTheCallsAnswer() {
        RestAssured.given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("components.securitySchemes.bearer.type", equalTo("http"))
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                .body("security[0]", hasKey("bearer"))
                .body("paths", hasKey("/api/v1/mac-ranges"))
                // A rig's new token: the answer, and the refusals an admin meets.
                .body(NEW_RIG_TOKEN + ".'200'.content.'application/json'.schema.'$ref'",
                        equalTo("#/components/schemas/RigToken"))
                .body(NEW_RIG_TOKEN, hasKey("404"))
                .body(NEW_RIG_TOKEN, hasKey("409"))
                .body("paths.'/api/v1/rigs'.post.responses", hasKey("201"))
                .body("components.schemas.RegisteredRig.properties", hasKey("reactivated"));
    }
}
