package io.flashrig.server.pool;

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

/** MAC ranges: blocks of addresses the pool hands out from, first to last. */
@Path("/api/v1/mac-ranges")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class MacRangeResource {

    /** A new range, e.g. {"first":"04:D9:21:00:00:00","last":"04:D9:21:00:0F:FF","label":"batch 7"}. */
    public record CreateRangeRequest(String first, String last, String label) {
    }

    private final PoolAdminService pool;

    MacRangeResource(PoolAdminService pool) {
        this.pool = pool;
    }

    @POST
    public Response create(CreateRangeRequest request) {
        if (request == null) {
            throw DomainException.invalid("Send a JSON body like"
                    + " {\"first\":\"04:D9:21:00:00:00\",\"last\":\"04:D9:21:00:0F:FF\",\"label\":\"batch 7\"}.");
        }
        PoolAdminService.RangeView range = pool.createRange(request.first(), request.last(), request.label());
        return Response.created(URI.create("/api/v1/mac-ranges/" + range.id())).entity(range).build();
    }

    @GET
    public List<PoolAdminService.RangeView> list() {
        return pool.ranges();
    }

    @GET
    @Path("/{id}")
    public PoolAdminService.RangeView get(@PathParam("id") String id) {
        return pool.range(PathIds.parse("MAC range", id));
    }

    /** Stops new assignments from the range; what it already assigned stays. */
    @POST
    @Path("/{id}/retire")
    public PoolAdminService.RangeView retire(@PathParam("id") String id) {
        return pool.retire(PathIds.parse("MAC range", id));
    }

    /** Allowed only while nothing in the range was ever assigned. */
    @DELETE
    @Path("/{id}")
    public void delete(@PathParam("id") String id) {
        pool.deleteRange(PathIds.parse("MAC range", id));
    }
}
