package io.flashrig.server.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What the HTTP router refuses before any resource sees the request (an unknown path, a body over the size limit),
 * answered with the same {@code application/problem+json} as {@link RestErrorMapper}'s.
 */
@ApplicationScoped
public class RouterLimits {

    private final ObjectMapper json;

    RouterLimits(ObjectMapper json) {
        this.json = json;
    }

    /** Installs the answers to unknown paths and to bodies over the limit, ahead of every other route. */
    void onRouter(@Observes Router router,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        long limit = maxBodySize.asLongValue();
        // Ahead of every other route, so that a declared oversize body is refused with a problem before it is read.
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > limit) {
                tooLarge(ctx, length, limit);
            } else {
                ctx.next();
            }
        });
        // A chunked body (no declared length) is read here, up to the limit: Quarkus REST, reading it itself, would
        // answer one over the limit with a bare 413 halfway through. Only HTTP/1.1: Quarkus REST fails on an HTTP/2
        // request whose body has already been read. gRPC streams, outside /api, are left alone.
        BodyHandler upToTheLimit = BodyHandler.create(false).setBodyLimit(limit);
        router.route("/api/*").order(Integer.MIN_VALUE + 1).handler(ctx -> {
            HttpServerRequest request = ctx.request();
            if (request.version() != HttpVersion.HTTP_2 && request.getHeader(HttpHeaders.CONTENT_LENGTH) == null
                    && request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
                upToTheLimit.handle(ctx);
            } else {
                ctx.next();
            }
        }).failureHandler(ctx -> {
            if (ctx.statusCode() == 413) {
                tooLarge(ctx, "more than " + limit, limit);
            } else {
                ctx.next();
            }
        });
        router.errorHandler(404, ctx -> write(ctx, Problem.of(404, "http-404", "Not Found",
                "There is nothing at this address. The API lives under /api/v1; see /q/swagger-ui.")));
        router.errorHandler(413, ctx -> tooLarge(ctx, "more than " + limit, limit));
    }

    /** Refuses a body over the limit, and closes the connection rather than read the rest of it. */
    private void tooLarge(RoutingContext ctx, String size, long limit) {
        if (!ctx.response().headWritten()) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        }
        write(ctx, Problem.of(413, "http-413", "Payload Too Large", "The request body has " + size
                + " bytes; this server accepts at most " + limit + "."));
    }

    private void write(RoutingContext ctx, Problem problem) {
        if (ctx.response().ended()) {
            return;
        }
        try {
            ctx.response().setStatusCode(problem.status())
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .end(json.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            ctx.response().setStatusCode(problem.status()).end();
        }
    }

}
