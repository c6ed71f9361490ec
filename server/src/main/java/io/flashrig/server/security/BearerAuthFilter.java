package io.flashrig.server.security;

import io.flashrig.server.error.DomainException;
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

    BearerAuthFilter(TokenService tokens, CurrentCaller current) {
        this.tokens = tokens;
        this.current = current;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Caller caller = tokens.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (caller.role() == Role.RIG) {
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
