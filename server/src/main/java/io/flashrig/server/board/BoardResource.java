package io.flashrig.server.board;

import io.flashrig.contract.BoardSerial;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Page;
import io.flashrig.server.api.PageRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Boards the rigs have flashed, with their MAC and every flash attempt. */
@Path("/api/v1/boards")
public class BoardResource {

    static final String CSV = "text/csv";

    private final BoardService boards;
    private final FlashRigConfig config;

    BoardResource(BoardService boards, FlashRigConfig config) {
        this.boards = boards;
        this.config = config;
    }

    /**
     * Boards, most recently seen first. state: a flash job state (e.g. DONE); rig: a rig name; since: a time. With
     * {@code Accept: text/csv}: every matching board as CSV (no paging), for spreadsheets.
     */
    @GET
    @Produces({MediaType.APPLICATION_JSON, CSV})
    public Response list(@QueryParam("state") String state, @QueryParam("rig") String rig,
            @QueryParam("since") String since, @QueryParam("page") String page, @QueryParam("size") String size,
            @Context HttpHeaders headers) {
        BoardService.Filter filter = BoardService.filter(state, rig, since);
        boolean csv = headers.getAcceptableMediaTypes().stream().findFirst()
                .map(type -> type.getType().equals("text") && type.getSubtype().equals("csv")).orElse(false);
        if (!csv) {
            return Response.ok(boards.list(filter, PageRequest.of(page, size, config)), MediaType.APPLICATION_JSON)
                    .build();
        }
        String body = Stream.concat(Stream.of("serial,mac,mac_state,state,rig,first_seen,last_seen"),
                boards.export(filter).stream()
                        .map(b -> Stream.of(b.serial(), b.mac(), b.macState(), b.state(), b.rig(),
                                        String.valueOf(b.firstSeen()), String.valueOf(b.lastSeen()))
                                .map(BoardResource::csvField).collect(Collectors.joining(","))))
                .collect(Collectors.joining("\r\n", "", "\r\n"));
        return Response.ok(body, CSV).header("Content-Disposition", "attachment; filename=\"boards.csv\"").build();
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

    private static String csvField(String value) {
        if (value == null) {
            return "";
        }
        return value.matches("[^,\"\r\n]*") ? value : '"' + value.replace("\"", "\"\"") + '"';
    }
}
