package io.flashrig.server.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.flashrig.contract.InvalidValueException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The REST error mapper: turns every failure of an {@code /api/v1} call into {@code application/problem+json} with a
 * sentence a person understands. Requests that never reach a resource are answered by {@link RouterLimits}; Jackson's
 * complaints about a body are put in words by {@link JsonMessages}.
 */
@ApplicationScoped
public class RestErrorMapper {

    private static final Logger LOG = Logger.getLogger(RestErrorMapper.class);

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
        return respond(Problem.of(400, "malformed-body", "Malformed request body", JsonMessages.describe(e)));
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

    private static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
