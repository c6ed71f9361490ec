package io.flashrig.server.dashboard;

import io.flashrig.server.error.DomainException;
import io.flashrig.server.security.CurrentCaller;
import io.flashrig.server.security.TokenService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Duration;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The live view and the quality figures behind the dashboard; read access needs a viewer (or admin) token. */
@Path("/api/v1")
public class LiveResource {

    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final int MAX_HOURS = 24 * 31;

    private final LiveQueries queries;
    private final LiveFeed feed;
    private final CurrentCaller caller;
    private final TokenService tokens;

    LiveResource(LiveQueries queries, LiveFeed feed, CurrentCaller caller, TokenService tokens) {
        this.queries = queries;
        this.feed = feed;
        this.caller = caller;
        this.tokens = tokens;
    }

    @GET
    @Path("live/snapshot")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every rig and slot now, the MAC pool and the recent failures")
    public Snapshot snapshot() {
        return queries.snapshot();
    }

    @GET
    @Path("live/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking // the token check reads the database; the stream itself is pushed from the live feed
    @Operation(summary = "Board and rig changes as they are committed (server-sent events)")
    @APIResponse(responseCode = "200", description = "One JSON LiveUpdate per event, and a keep-alive every 15 s",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = LiveUpdate.class)))
    public void events(@Context SseEventSink sink, @Context Sse sse, @Context HttpServerRequest request) {
        // A keep-alive is only due when nothing else is being sent: one that finds the stream busy is dropped.
        Multi<LiveUpdate> keepAlive = Multi.createFrom().ticks().every(KEEP_ALIVE).onOverflow().drop()
                .map(tick -> LiveUpdate.keepAlive());
        DashboardStream stream = new DashboardStream(sink, sse, String.valueOf(request.remoteAddress()));
        Long tokenId = caller.caller().tokenId();
        Multi.createBy().merging().streams(feed.updates(), keepAlive, revocationOf(tokenId)).subscribe()
                .withSubscriber(stream);
        if (tokenId != null) {
            // Checked again now that the stream listens: a revocation committed since the request's token check was
            // announced before anyone here listened for it. Refused as the request would be now (401).
            try {
                tokens.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION),
                        "REST GET " + request.path() + " (stream opened) from " + request.remoteAddress());
            } catch (RuntimeException refused) {
                stream.abandon();
                throw refused;
            }
        }
        // Subscribed first, so that nothing committed from now on is missed; sent from only once the head is out.
        stream.open();
    }

    /**
     * Ends the stream once the token it was opened with is revoked, on whichever replica: the token was checked only
     * when the stream opened. The bootstrap admin token (FLASHRIG_ADMIN_TOKEN) cannot be revoked, only changed with a
     * restart, which ends every stream anyway.
     */
    private Multi<LiveUpdate> revocationOf(Long tokenId) {
        if (tokenId == null) {
            return Multi.createFrom().empty();
        }
        return feed.revocations().filter(tokenId::equals).map(id -> LiveUpdate.TOKEN_REVOKED);
    }

    @GET
    @Path("stats")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Yield per rig and per slot, top failure codes, boards per hour, pool and time to exhaustion")
    public Stats stats(@QueryParam("hours") @DefaultValue("24") int hours) {
        if (hours < 1 || hours > MAX_HOURS) {
            throw DomainException.invalid("hours must be between 1 and " + MAX_HOURS + " (31 days); it was " + hours
                    + ".");
        }
        return queries.stats(hours);
    }
}
