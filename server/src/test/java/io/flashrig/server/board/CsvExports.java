package io.flashrig.server.board;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.startsWith;

import io.flashrig.contract.MacAddress;
import io.flashrig.server.testing.TestApi;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** A factory's worth of boards in the database, and a plain-socket client for their CSV export. */
final class CsvExports {

    /** How long a test waits for what the server does on other threads (an export ending, a log line). */
    static final Duration WAIT = Duration.ofSeconds(30);

    static final String RIG = "rig-csv-export";
    static final int BOARDS = 100_000;
    /** Every even board has a MAC; none of these addresses is in any test's range. */
    static final long FIRST_MAC = 0x0E_C5_00_00_00_00L;
    static final Instant FIRST_SEEN = Instant.parse("2026-12-01T00:00:00Z");
    /** The database sessions of exports in progress. */
    static final String EXPORT_SESSIONS = " FROM pg_stat_activity WHERE xact_start IS NOT NULL"
            + " AND pid <> pg_backend_pid() AND query ILIKE '%from board%'";
    static final String OPEN_EXPORTS = "SELECT count(*)" + EXPORT_SESSIONS;

    private CsvExports() {
    }

    /** A hundred thousand boards of one rig, made once for every test of a class. */
    private static void createBoards() throws SQLException {
        if (TestApi.count("SELECT count(*) FROM rig WHERE name = ?", RIG) > 0) {
            return;
        }
        // Straight into the tables: a hundred thousand boards through the rig service would take minutes.
        try (Connection c = TestApi.directDataSource().getConnection()) {
            execute(c, "INSERT INTO rig (name, token_hash, created_at) VALUES (?, 'not-a-token-' || ?, now())",
                    RIG, RIG);
            execute(c, """
                    INSERT INTO board (serial, state, first_seen, last_seen, last_rig_id, last_attempt_id)
                    SELECT 'CE5E' || upper(lpad(to_hex(i), 20, '0')), CASE WHEN i % 3 = 0 THEN 'FAILED' ELSE 'DONE' END,
                           ?::timestamptz + i * interval '1 second', ?::timestamptz + (i + 60) * interval '1 second',
                           (SELECT id FROM rig WHERE name = ?), gen_random_uuid()
                    FROM generate_series(1, ?) AS i""", FIRST_SEEN.toString(), FIRST_SEEN.toString(), RIG, BOARDS);
            execute(c, """
                    INSERT INTO mac_assignment (mac, board_serial, state, origin, rig_id, assigned_at)
                    SELECT ? + i, 'CE5E' || upper(lpad(to_hex(i), 20, '0')), 'FUSED', 'EXTERNAL',
                           (SELECT id FROM rig WHERE name = ?), now()
                    FROM generate_series(2, ?, 2) AS i""", FIRST_MAC, RIG, BOARDS);
        }
    }

    static void removeBoards() throws SQLException {
        // Other tests share this database and count what is in it.
        try (Connection c = TestApi.directDataSource().getConnection()) {
            execute(c, "DELETE FROM mac_assignment WHERE rig_id = (SELECT id FROM rig WHERE name = ?)", RIG);
            execute(c, "DELETE FROM board WHERE last_rig_id = (SELECT id FROM rig WHERE name = ?)", RIG);
            execute(c, "DELETE FROM rig WHERE name = ?", RIG);
        }
    }

    static String expectedLine(int board) {
        String mac = board % 2 == 0 ? new MacAddress(FIRST_MAC + board) + ",FUSED" : ",";
        String state = board % 3 == 0 ? "FAILED" : "DONE";
        return String.join(",", serial(board), mac, state, RIG, FIRST_SEEN.plusSeconds(board).toString(),
                lastSeen(board).toString(), "");
    }

    static String serial(int board) {
        return "CE5E" + String.format("%020X", board);
    }

    static Instant lastSeen(int board) {
        return FIRST_SEEN.plusSeconds(board + 60);
    }

    /** The CSV of boards {@code newest} down to {@code oldest}, header first. */
    static String csv(int newest, int oldest) {
        StringBuilder csv = new StringBuilder("serial,mac,mac_state,state,rig,first_seen,last_seen,release\r\n");
        for (int board = newest; board >= oldest; board--) {
            csv.append(expectedLine(board)).append("\r\n");
        }
        return csv.toString();
    }

    /**
     * Sends a CSV export request on a plain socket, which reads only when the test does: a small receive window, so
     * that the server soon has to wait for this client.
     */
    static Socket startExport(URL server, String query) throws java.io.IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(16 * 1024);
        socket.connect(new InetSocketAddress(server.getHost(), server.getPort()));
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/v1/boards?" + query + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + TestApi.ADMIN_TOKEN + "\r\nAccept: text/csv\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    /** An export read to its end; waits while the server runs as many exports as it runs at once. */
    static Download exportWhenThereIsRoom(URL server, String query) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket socket = startExport(server, query)) {
                Download download = Download.of(readToTheEnd(socket.getInputStream()));
                if (!download.status().startsWith("HTTP/1.1 429") || System.nanoTime() > deadline) {
                    assertThat(download.status(), startsWith("HTTP/1.1 200"));
                    return download;
                }
            }
            Thread.sleep(50);
        }
    }

    /** Everything until the server closes the connection, whether it ends it or resets it. */
    static byte[] readToTheEnd(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                read.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // A reset connection: what came before it is all there is.
        }
        return read.toByteArray();
    }

    /**
     * A chunked HTTP/1.1 response as it came over the wire: complete only if its body ended with the last, empty
     * chunk, which is how a client tells a whole download from one cut off.
     */
    record Download(String status, String body, boolean complete) {

        static Download of(byte[] raw) {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                return new Download(text, "", false);
            }
            String status = text.substring(0, text.indexOf("\r\n"));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int at = headEnd + 4;
            while (true) {
                int sizeEnd = text.indexOf("\r\n", at);
                if (sizeEnd < 0) {
                    return new Download(status, body.toString(StandardCharsets.UTF_8), false);
                }
                int size = Integer.parseInt(text.substring(at, sizeEnd).trim(), 16);
                if (size == 0) {
                    return new Download(status, body.toString(StandardCharsets.UTF_8), true);
                }
                int end = Math.min(sizeEnd + 2 + size, raw.length);
                body.write(raw, sizeEnd + 2, end - sizeEnd - 2);
                if (end < sizeEnd + 2 + size) {
                    return new Download(status, body.toString(StandardCharsets.UTF_8), false);
                }
                at = end + 2;
            }
        }
    }

    static String readAtLeast(InputStream in, int bytes) throws java.io.IOException {
        byte[] buffer = new byte[bytes];
        int read = 0;
        while (read < bytes) {
            int n = in.read(buffer, read, bytes - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return new String(buffer, 0, read, StandardCharsets.UTF_8);
    }

    /** Waits for something another thread or process does; only the failure message mentions time. */
    /**
     * Before each export test: waits until the exports of the test before have given their places back (just after
     * their transactions ended), then lays out the boards.
     */
    static void freshBoards(BoardService boards) throws Exception {
        await("the exports of the test before have given their places back").atMost(WAIT)
                .until(boards::noExportRunning);
        createBoards();
    }

    static void execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }

    /** The last bytes of what is left to read, up to the end of the stream or the connection's reset. */
    static String tailOf(InputStream in) {
        byte[] buffer = new byte[64 * 1024];
        StringBuilder tail = new StringBuilder();
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                tail.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                tail.delete(0, Math.max(0, tail.length() - 200));
            }
        } catch (java.io.IOException reset) {
            tail.append(" <").append(reset.getMessage()).append('>');
        }
        return tail.toString();
    }
}
