package io.flashrig.server.release;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** One rig's release: pin it, read it, remove the pin. */
@Path("/api/v1/rigs/{name}/release")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RigReleaseResource {

    private final ReleaseService releases;

    RigReleaseResource(ReleaseService releases) {
        this.releases = releases;
    }

    @GET
    @Operation(summary = "The release a rig flashes: its pin, else the default (source pinned, default or none)")
    public ReleaseService.RigRelease get(@PathParam("name") String rig) {
        return releases.ofRig(rig);
    }

    @PUT
    @Operation(summary = "Pin a rig to a release", description = "Audited. The rig learns it within a heartbeat; boards"
            + " already flashing finish on their image, the next board uses the new release. A retired release is"
            + " refused (409).")
    public ReleaseService.RigRelease pin(@PathParam("name") String rig, ReleaseResource.ReleaseChoice choice) {
        return releases.pin(rig, ReleaseResource.chosen(choice));
    }

    @DELETE
    @Consumes(MediaType.WILDCARD) // no body
    @Operation(summary = "Remove a rig's pin: it flashes the default release, or its own layout when there is none")
    public ReleaseService.RigRelease unpin(@PathParam("name") String rig) {
        return releases.unpin(rig);
    }
}
