package io.flashrig.server.release;

import io.flashrig.contract.ReleaseManifest;
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
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Image releases: store one (as {@code flashrig-agent release manifest} prints it), read them, retire one, and set the
 * release of rigs without a pin ({@code /default}).
 */
@Path("/api/v1/releases")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ReleaseResource {

    /** A release manifest: {@code {"name":…,"layout":"FlashLayout_….tsv","files":{"<file name>":"<sha256>",…}}}. */
    public record ManifestRequest(String name, String layout, Map<String, String> files) {
    }

    /** Which release, e.g. {@code {"release":"hub3-v99.01.09"}}. */
    public record ReleaseChoice(String release) {
    }

    private final ReleaseService releases;

    ReleaseResource(ReleaseService releases) {
        this.releases = releases;
    }

    @POST
    @Operation(summary = "Store a release: a name and the SHA-256 of its layout and of every file the layout names",
            description = "Make the body with `flashrig-agent release manifest --layout FILE.tsv --name NAME`. A release"
                    + " never changes: the same content again answers 200, other content under a stored name 409.")
    @APIResponse(responseCode = "201", description = "Stored", content = @Content(schema = @Schema(implementation = ReleaseService.ReleaseView.class)))
    @APIResponse(responseCode = "200", description = "The same release was already stored",
            content = @Content(schema = @Schema(implementation = ReleaseService.ReleaseView.class)))
    @APIResponse(responseCode = "400", description = "Not a manifest", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "A release of that name has other content", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response create(ManifestRequest request) {
        if (request == null) {
            throw DomainException.invalid("Send the release manifest as JSON, as `flashrig-agent release manifest"
                    + " --layout FILE.tsv --name NAME` prints it: {\"name\":…,\"layout\":…,\"files\":{…}}.");
        }
        ReleaseService.Stored stored = releases.create(ReleaseManifest.of(request.name(), request.layout(), request.files()));
        return stored.created()
                ? Response.created(URI.create("/api/v1/releases/" + stored.release().name())).entity(stored.release()).build()
                : Response.ok(stored.release()).build();
    }

    @GET
    @Operation(summary = "Every release, newest first")
    public List<ReleaseService.ReleaseView> list() {
        return releases.list();
    }

    @GET
    @Path("/{name}")
    public ReleaseService.ReleaseView get(@PathParam("name") String name) {
        return releases.get(name);
    }

    @POST
    @Path("/{name}/retire")
    @Consumes(MediaType.WILDCARD) // no body
    @Operation(summary = "Retire a release: every rig on it stops flashing until it is given another release",
            description = "For an image found bad: boards already flashing finish, the next board on such a rig fails"
                    + " with IMAGE_MISMATCH before its programmer starts. Audited; retiring again changes nothing.")
    public ReleaseService.ReleaseView retire(@PathParam("name") String name) {
        return releases.retire(name);
    }

    @GET
    @Path("/default")
    @Operation(summary = "The release of rigs without a pin; 404 when there is none")
    public ReleaseService.DefaultRelease getDefault() {
        return releases.defaultRelease().orElseThrow(() -> DomainException.notFound("No default release is set: rigs"
                + " without a pin flash their own layout."));
    }

    @PUT
    @Path("/default")
    @Operation(summary = "Set the release of rigs without a pin", description = "Audited. A retired release is refused (409).")
    public ReleaseService.DefaultRelease setDefault(ReleaseChoice choice) {
        return releases.setDefault(chosen(choice));
    }

    @DELETE
    @Path("/default")
    @Consumes(MediaType.WILDCARD) // no body
    @Operation(summary = "Remove the default release: rigs without a pin flash their own layout again")
    public Response clearDefault() {
        releases.clearDefault();
        return Response.noContent().build();
    }

    static String chosen(ReleaseChoice choice) {
        if (choice == null || choice.release() == null) {
            throw DomainException.invalid("Send a JSON body like {\"release\":\"hub3-v99.01.09\"}; to remove it, send"
                    + " DELETE to the same address.");
        }
        return choice.release();
    }
}
