package io.flashrig.server.error;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.flashrig.contract.InvalidValueException;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The REST error mapper: turns every failure of an {@code /api/v1} call into {@code application/problem+json} with a
 * sentence a person understands. Also answers requests that never reach a resource (unknown path, body too large).
 */
@ApplicationScoped
public class RestErrorMapper {

    private static final Logger LOG = Logger.getLogger(RestErrorMapper.class);

    private final ObjectMapper json;

    RestErrorMapper(ObjectMapper json) {
        this.json = json;
    }

    @ServerExceptionMapper
    public Response invalidValue(InvalidValueException e) {
        return domain(DomainException.of(e));
    }

    @ServerExceptionMapper
    public Response domain(DomainException e) {
        Response response = respond(switch (e.kind()) {
            case INVALID -> Problem.of(400, "invalid-request", "Invalid request", e.getMessage());
            case NOT_FOUND -> Problem.of(404, "not-found", "Not found", e.getMessage());
            case CONFLICT, FAILED_PRECONDITION -> Problem.of(409, "conflict", "Conflict", e.getMessage());
            // A limit that frees itself in time is "come back later"; a used-up MAC pool needs an admin.
            case EXHAUSTED -> e.retryAfter() != null
                    ? Problem.of(429, "busy", "Too Many Requests", e.getMessage())
                    : Problem.of(409, "exhausted", "Exhausted", e.getMessage());
            case UNAUTHENTICATED -> Problem.of(401, "unauthenticated", "Unauthenticated", e.getMessage());
            case FORBIDDEN -> Problem.of(403, "forbidden", "Forbidden", e.getMessage());
        });
        if (e.kind() == DomainException.Kind.UNAUTHENTICATED) {
            return Response.fromResponse(response).header("WWW-Authenticate", "Bearer realm=\"flashrig\"").build();
        }
        if (e.retryAfter() != null) {
            return Response.fromResponse(response)
                    .header("Retry-After", Math.max(1, e.retryAfter().toSeconds())).build();
        }
        return response;
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return respond(Problem.of(400, "malformed-body", "Malformed request body", describe(e)));
    }

    /** More specific than {@link #json}, so that it wins over Quarkus' own mapper for these. */
    @ServerExceptionMapper
    public Response mismatch(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException jsonError) {
            return json(jsonError);
        }
        int status = e.getResponse().getStatus();
        if (status == 404 && cause instanceof IllegalArgumentException) {
            // JAX-RS answers a query or path parameter it cannot convert with 404; it is a bad request.
            return respond(Problem.of(400, "invalid-parameter", "Invalid parameter",
                    "A parameter of this request is not in the expected form (" + cause.getMessage()
                            + "); see /q/swagger-ui for what each parameter takes."));
        }
        String detail = switch (status) {
            case 404 -> "There is nothing at this address. The API lives under /api/v1; see /q/swagger-ui.";
            case 405 -> "This address does not accept that HTTP method; see /q/swagger-ui for what it accepts.";
            case 406 -> "This address cannot answer in the requested format; ask for application/json"
                    + " (or text/csv where offered).";
            case 413 -> "The request body is too large.";
            case 415 -> "Send the request body as application/json.";
            default -> status >= 500 ? "The server could not handle this request." : "The request was refused: "
                    + e.getMessage();
        };
        if (status >= 500) {
            LOG.error("Request failed", e);
        }
        return respond(Problem.of(status, "http-" + status, e.getResponse().getStatusInfo().getReasonPhrase(), detail));
    }

    /** Nothing reaches the client (the response has begun); only the connection ends, as a failed download. */
    @ServerExceptionMapper
    public Response abandoned(ResponseAbandoned e) {
        LOG.debugf("Abandoned a response midway: %s", e.getMessage());
        return respond(Problem.of(408, "abandoned", "Request Timeout", e.getMessage()));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (BadData.is(e)) {
            return respond(Problem.of(400, "invalid-request", "Invalid request", BadData.MESSAGE));
        }
        if (TransientFailure.is(e)) {
            LOG.warn("A request failed for a passing reason", e);
            return Response.fromResponse(respond(Problem.of(503, "unavailable", "Service Unavailable",
                    TransientFailure.MESSAGE))).header("Retry-After", "5").build();
        }
        LOG.error("Unexpected error while handling a request", e);
        return respond(Problem.of(500, "internal", "Internal error",
                "The server failed unexpectedly; the error is in its log. Nothing was changed by this request."));
    }

    /** Answers what the router itself refuses: unknown paths and bodies over the limit. */
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

    private static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        if (e instanceof JsonParseException parse) {
            return "The request body is not valid JSON" + where + ": " + firstLine(parse.getOriginalMessage()) + ".";
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            return "The field '" + unknown.getPropertyName() + "' is not known here; accepted fields: " + known + ".";
        }
        if (e instanceof InvalidFormatException format) {
            return "The field '" + path(format) + "' has the value " + format.getValue()
                    + ", which is not a valid " + typeName(format.getTargetType()) + ".";
        }
        if (e instanceof MismatchedInputException mismatch) {
            String path = path(mismatch);
            return path.isEmpty()
                    ? "The request body must be a JSON object" + where + "."
                    : "The field '" + path + "' must be a " + typeName(mismatch.getTargetType()) + where + ".";
        }
        return "The request body could not be read" + where + ": " + firstLine(e.getOriginalMessage()) + ".";
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "value of the expected type";
        }
        if (type == String.class || type.isEnum()) {
            return "string";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "boolean (true or false)";
        }
        return "JSON object";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable input";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
