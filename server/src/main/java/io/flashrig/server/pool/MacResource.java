package io.flashrig.server.pool;

import io.flashrig.contract.MacAddress;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Page;
import io.flashrig.server.api.PageRequest;
import io.flashrig.server.error.DomainException;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;

/** The pool as a whole, single MACs, quarantine, released write claims, and the alerts an admin must look at. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class MacResource {

    /** Why an admin changes a MAC: why it is taken out of use, or how they know a claimed write never happened. */
    public record ReasonRequest(String reason) {
    }

    /** An alert as the API shows it; {@code mac} is null when the alert is about a rig, not one MAC. */
    public record AlertView(long id, String kind, String mac, String serial, String message, Instant createdAt) {
    }

    private final PoolAdminService pool;
    private final FlashRigConfig config;

    MacResource(PoolAdminService pool, FlashRigConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @GET
    @Path("/mac-pool")
    public PoolAdminService.PoolView pool() {
        return pool.pool();
    }

    @GET
    @Path("/macs/{mac}")
    public PoolAdminService.MacView mac(@PathParam("mac") String mac) {
        return pool.mac(MacAddress.parse(mac));
    }

    /** Takes a scrapped board's MAC out of use for good. */
    @POST
    @Path("/macs/{mac}/quarantine")
    public PoolAdminService.MacView quarantine(@PathParam("mac") String mac, ReasonRequest request) {
        MacAddress address = MacAddress.parse(mac);
        return pool.quarantine(address, reason(request, "board scrapped"));
    }

    /**
     * Releases the claim of a MAC's OTP write that never reached the board (its OTP reads blank), so that the board
     * can be fused after all. Never for a board whose OTP holds anything: that board is fused, or needs an engineer.
     */
    @POST
    @Path("/macs/{mac}/release-write")
    public PoolAdminService.MacView releaseWrite(@PathParam("mac") String mac, ReasonRequest request) {
        MacAddress address = MacAddress.parse(mac);
        return pool.releaseWrite(address, reason(request, "OTP words 57/58 read blank"));
    }

    /** The reason in the body; the service judges it, a missing body is refused here with an example. */
    private static String reason(ReasonRequest request, String example) {
        if (request == null) {
            throw DomainException.invalid("Send a JSON body like {\"reason\":\"" + example + "\"}.");
        }
        return request.reason();
    }

    @GET
    @Path("/alerts")
    @Transactional
    public Page<AlertView> alerts(@QueryParam("page") String page, @QueryParam("size") String size) {
        return PageRequest.of(page, size, config).fetch(MacAlert.<MacAlert>find("order by createdAt desc, id desc"),
                a -> new AlertView(a.id, a.kind.name(), a.mac == null ? null : new MacAddress(a.mac).toString(),
                        a.serial, a.message, a.createdAt));
    }
}
