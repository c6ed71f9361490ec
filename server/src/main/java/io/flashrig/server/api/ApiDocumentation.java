package io.flashrig.server.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The OpenAPI description's bearer-token scheme, so that Swagger UI's "Authorize" sends the admin or viewer token. */
@OpenAPIDefinition(
        info = @Info(title = "FlashRig server API", version = "v1"),
        security = @SecurityRequirement(name = ApiDocumentation.BEARER))
@SecurityScheme(securitySchemeName = ApiDocumentation.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "An admin token (reads and writes) or a viewer token (reads).")
public class ApiDocumentation extends Application {

    static final String BEARER = "bearer";
}
