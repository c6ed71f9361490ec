package io.flashrig.server.security;

import io.flashrig.server.error.DomainException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.util.Set;

/**
 * Every {@code /api/v1} call needs an admin or viewer bearer token: viewers read, admins also write. Rig tokens are
 * for the gRPC rig service only. Runs on the worker thread of the (blocking) resource method, as it reads the database.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class BearerAuthFilter implements ContainerRequestFilter {

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    private final TokenService tokens;
    private final CurrentCaller current;
    private final RefusedSignIns refusedSignIns;
    /** The request's connection, for the address a refused sign-in came from. */
    private final HttpServerRequest remote;

    BearerAuthFilter(TokenService tokens, CurrentCaller current, RefusedSignIns refusedSignIns,
            HttpServerRequest remote) {
        this.tokens = tokens;
        this.current = current;
        this.refusedSignIns = refusedSignIns;
        this.remote = remote;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        // The path as sent, still percent-encoded: a decoded one could start a fake line in the log.
        String where = "REST " + request.getMethod() + " " + remote.path() + " from " + remote.remoteAddress();
        Caller caller = tokens.authenticate(authorization, where);
        if (caller.role() == Role.RIG) {
            refusedSignIns.wrongKind(authorization, where);
            throw new DomainException(DomainException.Kind.FORBIDDEN, "This is rig '" + caller.name()
                    + "''s token, which only works for the gRPC rig service; use an admin or viewer token.");
        }
        if (caller.role() != Role.ADMIN && !READS.contains(request.getMethod())) {
            throw new DomainException(DomainException.Kind.FORBIDDEN,
                    "A viewer token may only read; changing anything needs an admin token.");
        }
        current.set(caller);
    }
}
