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

    /** Why a MAC is taken out of use. */
    public record QuarantineRequest(String reason) {
    }

    /** How an admin knows that a claimed write never reached the board. */
    public record ReleaseWriteRequest(String reason) {
    }

    /** An alert as the API shows it. */
    public record AlertView(long id, String kind, String mac, String serial, String message, Instant createdAt) {
    }

    private final PoolService pool;
    private final FlashRigConfig config;

    MacResource(PoolService pool, FlashRigConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @GET
    @Path("/mac-pool")
    public PoolService.PoolView pool() {
        return pool.pool();
    }

    @GET
    @Path("/macs/{mac}")
    public PoolService.MacView mac(@PathParam("mac") String mac) {
        return pool.mac(MacAddress.parse(mac));
    }

    /** Takes a scrapped board's MAC out of use for good. */
    @POST
    @Path("/macs/{mac}/quarantine")
    public PoolService.MacView quarantine(@PathParam("mac") String mac, QuarantineRequest request) {
        MacAddress address = MacAddress.parse(mac);
        if (request == null) {
            throw DomainException.invalid("Send a JSON body like {\"reason\":\"board scrapped\"}.");
        }
        return pool.quarantine(address, request.reason());
    }

    /**
     * Releases the claim of a MAC's OTP write that never reached the board (its OTP reads blank), so that the board
     * can be fused after all. Never for a board whose OTP holds anything: that board is fused, or needs an engineer.
     */
    @POST
    @Path("/macs/{mac}/release-write")
    public PoolService.MacView releaseWrite(@PathParam("mac") String mac, ReleaseWriteRequest request) {
        MacAddress address = MacAddress.parse(mac);
        if (request == null) {
            throw DomainException.invalid("Send a JSON body like {\"reason\":\"OTP words 57/58 read blank\"}.");
        }
        return pool.releaseWrite(address, request.reason());
    }

    @GET
    @Path("/alerts")
    @Transactional
    public Page<AlertView> alerts(@QueryParam("page") String page, @QueryParam("size") String size) {
        return PageRequest.of(page, size, config).fetch(MacAlert.<MacAlert>find("order by createdAt desc, id desc"),
                a -> new AlertView(a.id, a.kind.name(), new MacAddress(a.mac).toString(), a.serial, a.message,
                        a.createdAt));
    }
}
