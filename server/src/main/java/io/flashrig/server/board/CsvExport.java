package io.flashrig.server.board;

import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.error.ResponseAbandoned;
import io.flashrig.server.web.ResponseAbort;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The boards' CSV export as HTTP transport: written as it is read from the database (a factory's boards do not fit in
 * memory as one body), one of a few places at a time, cut off when its client stops taking what it is sent, and ended
 * with a reset connection rather than a complete-looking file when it fails midway.
 */
final class CsvExport implements StreamingOutput {
    private static final Logger LOG = Logger.getLogger(CsvExport.class);
    private static final String CSV_HEADER = "serial,mac,mac_state,state,rig,first_seen,last_seen,release\r\n";
    /** How often a running export checks that its client still takes what it is sent. */
    private static final long STALL_CHECK_MILLIS = 1_000;

    private final BoardService boards;
    private final FlashRigConfig config;
    private final Vertx vertx;
    private final BoardService.Filter filter;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    /** Written by the export's thread, read by the stall check's log line. */
    private volatile long rows;

    CsvExport(BoardService boards, FlashRigConfig config, Vertx vertx, BoardService.Filter filter,
            HttpServerRequest request, HttpServerResponse response) {
        this.boards = boards;
        this.config = config;
        this.vertx = vertx;
        this.filter = filter;
        this.request = request;
        this.response = response;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        // The export's place is taken here rather than in list(): Quarkus REST writes no body for a HEAD request
        // (nor after a failure on the way), and a place taken for a body never written would never come back.
        // Nothing is sent yet, so a refusal is still answered as a problem (429).
        BoardService.ExportSlot slot = boards.reserveExport();
        StallWatch watched = new StallWatch(out);
        Writer writer = new OutputStreamWriter(watched, StandardCharsets.UTF_8);
        AtomicBoolean cut = new AtomicBoolean();
        Waker exporter = new Waker(Thread.currentThread());
        long check = -1;
        try (slot) {
            // A client that takes nothing would hold the place until the connection's idle timeout (30 minutes).
            long stallTimeout = config.exportStallTimeout().toNanos();
            check = vertx.setPeriodic(STALL_CHECK_MILLIS, id -> {
                if (watched.waitingNanos(System.nanoTime()) > stallTimeout && cut.compareAndSet(false, true)) {
                    vertx.cancelTimer(id);
                    LOG.infof("Cut off a CSV export after %d boards: its client took nothing for %s", rows,
                            config.exportStallTimeout());
                    ResponseAbort.abort(request, response).onComplete(closed -> exporter.wake());
                }
            });
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
            if (cut.get()) {
                // Not returned from: the response would then be ended, on a connection that is already gone.
                throw new ResponseAbandoned("The CSV export was cut off after " + rows + " boards", e);
            }
            LOG.debugf("The CSV export stopped after %d boards: the client has gone (%s)", rows, e);
        } catch (Throwable e) {
            if (cut.get()) {
                // The cut-off's interrupt reached the export outside a write (the client took its last bytes
                // just then): no failure of the server's, and the response is gone already.
                throw new ResponseAbandoned("The CSV export was cut off after " + rows + " boards", e);
            }
            // The database failed or the transaction timed out midway (a rolled-back commit arrives as a checked
            // exception no signature declares). Ending the chunked body now would hand the client a file that
            // looks complete; a reset connection is a download that failed. Before anything was sent the error
            // mapper still answers with a problem. Rethrown either way, so that it is logged like every failed
            // request.
            if (response.headWritten()) {
                ResponseAbort.abort(request, response);
            }
            throw e;
        } finally {
            if (check >= 0) {
                vertx.cancelTimer(check);
            }
            // The pool's thread must not carry a cut-off's interrupt into its next request.
            exporter.finished();
        }
    }

    /** Interrupts the export's thread while, and only while, it is still exporting. */
    private static final class Waker {
        private final Thread thread;
        private boolean finished;
        private boolean woken;

        Waker(Thread thread) {
            this.thread = thread;
        }

        synchronized void wake() {
            if (!finished) {
                woken = true;
                thread.interrupt();
            }
        }

        /**
         * Called by the export's thread as it ends: no interrupt of this waker's comes after this, and none is left
         * set. Any other interrupt (the worker pool shutting down) stays.
         */
        void finished() {
            boolean clear;
            synchronized (this) {
                finished = true;
                clear = woken;
            }
            if (clear) {
                Thread.interrupted();
            }
        }
    }

    /**
     * The export's output, telling how long the write in progress has waited for the client. A write waits only while
     * the connection's send queue is full, so one that waits long means a client that has taken (next to) nothing.
     */
    private static final class StallWatch extends FilterOutputStream {
        /** When the write in progress began, by {@link System#nanoTime()}; set before the flag. */
        private volatile long writingSince;
        private volatile boolean writing;

        StallWatch(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            begin();
            try {
                out.write(bytes, offset, length);
            } finally {
                writing = false;
            }
        }

        @Override
        public void flush() throws IOException {
            begin();
            try {
                out.flush();
            } finally {
                writing = false;
            }
        }

        private void begin() {
            writingSince = System.nanoTime();
            writing = true;
        }

        /** How long, at {@code now}, the write in progress has waited; zero between writes (reading the database). */
        long waitingNanos(long now) {
            return writing ? now - writingSince : 0;
        }
    }

    private static String csvLine(BoardService.BoardSummary b) {
        return Stream.of(b.serial(), b.mac(), b.macState(), b.state(), b.rig(), String.valueOf(b.firstSeen()),
                        String.valueOf(b.lastSeen()), b.release())
                .map(CsvExport::csvField).collect(Collectors.joining(",", "", "\r\n"));
    }

    private static String csvField(String value) {
        if (value == null) {
            return "";
        }
        return value.matches("[^,\"\r\n]*") ? value : '"' + value.replace("\"", "\"\"") + '"';
    }
}
