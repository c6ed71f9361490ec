package io.flashrig.server.board;

import io.flashrig.contract.BoardSerial;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Page;
import io.flashrig.server.api.PageRequest;
import io.smallrye.common.annotation.Blocking;
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
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/** Boards the rigs have flashed, with their MAC and every flash attempt. */
@Path("/api/v1/boards")
public class BoardResource {

    private static final Logger LOG = Logger.getLogger(BoardResource.class);

    static final String CSV = "text/csv";
    private static final String CSV_HEADER = "serial,mac,mac_state,state,rig,first_seen,last_seen\r\n";

    private final BoardService boards;
    private final FlashRigConfig config;

    BoardResource(BoardService boards, FlashRigConfig config) {
        this.boards = boards;
        this.config = config;
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
            @Context HttpHeaders headers, @Context HttpServerResponse response) {
        BoardService.Filter filter = BoardService.filter(state, rig, since);
        boolean csv = headers.getAcceptableMediaTypes().stream().findFirst()
                .map(type -> type.getType().equals("text") && type.getSubtype().equals("csv")).orElse(false);
        if (!csv) {
            return Response.ok(boards.list(filter, PageRequest.of(page, size, config)), MediaType.APPLICATION_JSON)
                    .build();
        }
        return Response.ok(new CsvExport(filter, response), CSV)
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

    /**
     * The CSV, written as it is read from the database: a factory's boards do not fit in memory as one body. Stops
     * reading when the client has gone.
     */
    private final class CsvExport implements StreamingOutput {
        private final BoardService.Filter filter;
        private final HttpServerResponse response;
        private long rows;

        CsvExport(BoardService.Filter filter, HttpServerResponse response) {
            this.filter = filter;
            this.response = response;
        }

        @Override
        public void write(OutputStream out) throws IOException {
            // The export's place is taken here rather than in list(): Quarkus REST writes no body for a HEAD request
            // (nor after a failure on the way), and a place taken for a body never written would never come back.
            // Nothing is sent yet, so a refusal is still answered as a problem (429).
            BoardService.ExportSlot slot = boards.reserveExport();
            Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (slot) {
                writer.write(CSV_HEADER);
                boards.export(filter, board -> {
                    // Writes to a closed connection are dropped without an error, so without this the export would
                    // read on to the last board for nobody.
                    if (response.closed()) {
                        throw new ClosedChannelException();
                    }
                    writer.write(csvLine(board));
                    rows++;
                });
                writer.flush();
            } catch (IOException e) {
                // Only the connection to the client throws IOException here (the database's exceptions are
                // unchecked): the client has closed the download or its connection broke. Either is no server error,
                // and there is no one left to answer.
                LOG.debugf("The CSV export stopped after %d boards: the client has gone (%s)", rows, e);
            } catch (Throwable e) {
                // The database failed or the transaction timed out midway (a rolled-back commit arrives as a checked
                // exception no signature declares). Ending the chunked body now would hand the client a file that
                // looks complete; a reset connection is a download that failed. Before anything was sent the error
                // mapper still answers with a problem. Rethrown either way, so that it is logged like every failed
                // request.
                if (response.headWritten()) {
                    response.reset();
                }
                throw e;
            }
        }
    }

    private static String csvLine(BoardService.BoardSummary b) {
        return Stream.of(b.serial(), b.mac(), b.macState(), b.state(), b.rig(), String.valueOf(b.firstSeen()),
                        String.valueOf(b.lastSeen()))
                .map(BoardResource::csvField).collect(Collectors.joining(",", "", "\r\n"));
    }

    private static String csvField(String value) {
        if (value == null) {
            return "";
        }
        return value.matches("[^,\"\r\n]*") ? value : '"' + value.replace("\"", "\"\"") + '"';
    }
}
