package io.flashrig.server.rig;

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

/** Rigs: register one (its token is shown once), list them with their live connection state, revoke one. */
@Path("/api/v1/rigs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RigResource {

    /** A rig to register, e.g. {"name":"rig-3"}. */
    public record RegisterRigRequest(String name) {
    }

    private final RigRegistry rigs;

    RigResource(RigRegistry rigs) {
        this.rigs = rigs;
    }

    @POST
    public Response register(RegisterRigRequest request) {
        if (request == null) {
            throw DomainException.invalid("Send a JSON body like {\"name\":\"rig-3\"}.");
        }
        RigRegistry.RegisteredRig rig = rigs.register(request.name());
        return Response.created(URI.create("/api/v1/rigs/" + rig.name())).entity(rig).build();
    }

    @GET
    public List<RigRegistry.RigView> list() {
        return rigs.list();
    }

    @GET
    @Path("/{name}")
    public RigRegistry.RigView get(@PathParam("name") String name) {
        return rigs.get(name);
    }

    /** Revokes the rig's token; the rig is cut off. */
    @DELETE
    @Path("/{name}")
    public void revoke(@PathParam("name") String name) {
        rigs.revoke(name);
    }
}
