package io.flashrig.server.security;

import io.flashrig.server.api.PathIds;
import io.flashrig.server.error.DomainException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/** Admin and viewer tokens for the REST API. Admins issue them; the secret is shown once. */
@Path("/api/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TokenResource {

    /** Asks for a token for a person or a tool. */
    public record IssueTokenRequest(String name, String role) {
    }

    private final TokenService tokens;

    TokenResource(TokenService tokens) {
        this.tokens = tokens;
    }

    @POST
    public Response issue(IssueTokenRequest request) {
        if (request == null) {
            throw DomainException.invalid("Send a JSON body like {\"name\":\"alice\",\"role\":\"viewer\"}.");
        }
        TokenService.IssuedToken issued = tokens.issue(request.name(), request.role());
        return Response.created(URI.create("/api/v1/tokens/" + issued.id())).entity(issued).build();
    }

    @GET
    public List<TokenService.TokenView> list() {
        return tokens.list();
    }

    @DELETE
    @Path("/{id}")
    public void revoke(@PathParam("id") String id) {
        tokens.revoke(PathIds.parse("token", id));
    }
}
