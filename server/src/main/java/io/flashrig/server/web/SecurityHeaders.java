package io.flashrig.server.web;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Security headers on every response of the public port: the dashboard, its static files, the API and the error
 * answers of all of them (a 401 or 404 page is rendered by the same browser). Set as the headers go out rather than
 * when the request comes in, so that whichever handler answers, and however it answers, the headers are there.
 *
 * <p>The dashboard holds admin tokens in the page: a strict policy means injected markup cannot run script, and no
 * other site can frame the page to trick a click. {@code /q/} (the OpenAPI document and Swagger UI) gets a policy
 * without the script rule, as Swagger UI's page starts itself with an inline script; it holds no data and no token
 * beyond what a person types into it.
 */
@ApplicationScoped
public class SecurityHeaders {

    /** The dashboard's policy: its own script, styles and API only; images may be data: URLs (the favicon). */
    public static final String STRICT_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /** For /q/: no framing, but Swagger UI's inline start-up script still runs. */
    public static final String TOOLS_POLICY = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /** Ahead of every other route, static files and the not-found answer included. */
    private static final int FIRST = Integer.MIN_VALUE + 100;

    void addTo(@Observes Router router) {
        router.route().order(FIRST).handler(context -> {
            HttpServerRequest request = context.request();
            HttpServerResponse response = context.response();
            String contentType = request.getHeader("content-type");
            // A rig's gRPC call shares the port; no browser renders its answers.
            if (contentType == null || !contentType.startsWith("application/grpc")) {
                boolean tools = request.path() != null && request.path().startsWith("/q/");
                context.addHeadersEndHandler(ignored -> {
                    response.headers().set("Content-Security-Policy", tools ? TOOLS_POLICY : STRICT_POLICY);
                    response.headers().set("X-Content-Type-Options", "nosniff");
                    // For browsers that predate frame-ancestors.
                    response.headers().set("X-Frame-Options", "DENY");
                    response.headers().set("Referrer-Policy", "no-referrer");
                });
            }
            context.next();
        });
    }
}
