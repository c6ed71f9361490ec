package io.flashrig.server.rig;

import io.flashrig.server.error.DomainException;
import io.flashrig.server.error.Problem;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Rigs: register one (its token is shown once), give one a new token, list them with their live connection state,
 * revoke one.
 */
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
    @Operation(summary = "Register a rig; its token is shown once",
            description = "A revoked rig's name may be registered again: the same rig comes back into service with a"
                    + " new token and keeps its boards, attempts and events.")
    @APIResponse(responseCode = "201", description = "A new rig",
            content = @Content(schema = @Schema(implementation = RigRegistry.RegisteredRig.class)))
    @APIResponse(responseCode = "200", description = "A revoked rig, back in service with its history",
            content = @Content(schema = @Schema(implementation = RigRegistry.RegisteredRig.class)))
    public Response register(RegisterRigRequest request) {
        if (request == null) {
            throw DomainException.invalid("Send a JSON body like {\"name\":\"rig-3\"}.");
        }
        RigRegistry.RegisteredRig rig = rigs.register(request.name());
        return rig.reactivated() ? Response.ok(rig).build()
                : Response.created(URI.create("/api/v1/rigs/" + rig.name())).entity(rig).build();
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

    /** Replaces the rig's token, e.g. after its computer was reinstalled or the token leaked. */
    @POST
    @Path("/{name}/token")
    @Consumes(MediaType.WILDCARD) // no body: a bare "curl -X POST" must not be refused for its content type
    @Operation(summary = "Give a rig a new token; it is shown once and the old one stops working at once",
            description = "For a reinstalled rig computer or a leaked token. The rig keeps its history. A revoked rig"
                    + " is brought back by registering its name again instead.")
    @APIResponse(responseCode = "200", description = "The rig's new token",
            content = @Content(schema = @Schema(implementation = RigRegistry.RigToken.class)))
    @APIResponse(responseCode = "404", description = "No rig of that name", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The rig is revoked; register its name again",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public RigRegistry.RigToken rotateToken(@PathParam("name") String name) {
        return rigs.rotateToken(name);
    }

    /** How many new MACs a rig may take per rolling hour, e.g. {"newMacsPerHour":2000}. */
    public record MacQuotaRequest(Integer newMacsPerHour) {
    }

    /**
     * Sets one rig's quota of new MACs per rolling hour, e.g. for a rig that really flashes more boards than the
     * server's default allows; audited.
     */
    @PUT
    @Path("/{name}/mac-quota")
    @Operation(summary = "Set how many new MACs a rig may take per rolling hour",
            description = "Pool assignments and adoptions count; a serial's repeated requests and external MACs do"
                    + " not. 0 stops the rig taking new MACs. DELETE returns the rig to the server's default"
                    + " (FLASHRIG_RIG_NEW_MACS_PER_HOUR).")
    @APIResponse(responseCode = "200", description = "The rig with its new quota",
            content = @Content(schema = @Schema(implementation = RigRegistry.RigView.class)))
    @APIResponse(responseCode = "400", description = "Not a whole number from 0 to 1000000", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No rig of that name", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public RigRegistry.RigView setMacQuota(@PathParam("name") String name, MacQuotaRequest request) {
        if (request == null || request.newMacsPerHour() == null) {
            throw DomainException.invalid("Send a JSON body like {\"newMacsPerHour\":2000}; to return the rig to the"
                    + " server's default, send DELETE to the same address.");
        }
        return rigs.setNewMacsPerHour(name, request.newMacsPerHour());
    }

    /** Returns the rig to the server's default quota of new MACs per hour; audited. */
    @DELETE
    @Path("/{name}/mac-quota")
    @Consumes(MediaType.WILDCARD) // no body
    @Operation(summary = "Return a rig to the server's default quota of new MACs per hour")
    public RigRegistry.RigView resetMacQuota(@PathParam("name") String name) {
        return rigs.setNewMacsPerHour(name, null);
    }

    /** Revokes the rig's token; the rig is cut off. */
    @DELETE
    @Path("/{name}")
    public void revoke(@PathParam("name") String name) {
        rigs.revoke(name);
    }
}
