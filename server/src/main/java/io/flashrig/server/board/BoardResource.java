package io.flashrig.server.board;

import io.flashrig.contract.BoardSerial;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Page;
import io.flashrig.server.api.PageRequest;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Boards the rigs have flashed, with their MAC and every flash attempt. */
@Path("/api/v1/boards")
public class BoardResource {

    static final String CSV = "text/csv";

    private final BoardService boards;
    private final FlashRigConfig config;
    private final Vertx vertx;

    BoardResource(BoardService boards, FlashRigConfig config, Vertx vertx) {
        this.boards = boards;
        this.config = config;
        this.vertx = vertx;
    }

    /**
     * Boards, most recently seen first. state: a flash job state (e.g. DONE); rig: a rig name; since: a time. With
     * {@code Accept: text/csv}: every matching board as CSV (no paging), for spreadsheets; a few exports run at once
     * (429 with Retry-After beyond), and one that fails midway ends with a reset connection, not a complete-looking file.
     */
    @GET
    @Produces({MediaType.APPLICATION_JSON, CSV})
    @Blocking // the CSV export waits on the database cursor and on the client, row after row
    public Response list(@QueryParam("state") String state, @QueryParam("rig") String rig,
            @QueryParam("since") String since, @QueryParam("page") String page, @QueryParam("size") String size,
            @Context HttpHeaders headers, @Context HttpServerRequest request, @Context HttpServerResponse response) {
        BoardService.Filter filter = BoardService.filter(state, rig, since);
        boolean csv = headers.getAcceptableMediaTypes().stream().findFirst()
                .map(type -> type.getType().equals("text") && type.getSubtype().equals("csv")).orElse(false);
        if (!csv) {
            return Response.ok(boards.list(filter, PageRequest.of(page, size, config)), MediaType.APPLICATION_JSON)
                    .build();
        }
        return Response.ok(new CsvExport(boards, config, vertx, filter, request, response), CSV)
                .header("Content-Disposition", "attachment; filename=\"boards.csv\"").build();
    }

    @GET
    @Path("/{serial}")
    @Produces(MediaType.APPLICATION_JSON)
    public BoardService.BoardDetail get(@PathParam("serial") String serial) {
        return boards.get(BoardSerial.parse(serial));
    }

    /** The board's events as its rigs sent them, oldest first, rejected ones with the reason. */
    @GET
    @Path("/{serial}/events")
    @Produces(MediaType.APPLICATION_JSON)
    public Page<BoardService.EventView> events(@PathParam("serial") String serial, @QueryParam("page") String page,
            @QueryParam("size") String size) {
        return boards.events(BoardSerial.parse(serial), PageRequest.of(page, size, config));
    }
}
