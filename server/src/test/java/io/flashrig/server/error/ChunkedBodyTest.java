package io.flashrig.server.error;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashrig.server.testing.CapturedLog;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Bodies sent in chunks (Transfer-Encoding: chunked, no Content-Length), as streaming clients and proxies send them:
 * one over the limit is refused with the same problem as one that declares its size.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class ChunkedBodyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RANGES = "SELECT count(*) FROM mac_range";
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)");

    @TestHTTPResource("/")
    URL server;

    @Test
    void aChunkedBodyOverTheLimitGetsAProblemThatSaysSo() throws Exception {
        long before = TestApi.count(RANGES);
        // A label of 100 KiB in chunks of 8 KiB: well over the 64 KiB limit, and no length declared up front.
        String body = "{\"first\":\"0A:00:00:00:00:00\",\"last\":\"0A:00:00:00:00:FF\",\"label\":\""
                + "x".repeat(100 * 1024) + "\"}";
        String answer;
        try (CapturedLog log = CapturedLog.start()) {
            answer = postChunked(body, 8 * 1024);
            assertEquals(List.of(), log.warningsAndErrors(), "a client's mistake is no server error");
        }

        assertThat(answer, startsWith("HTTP/1.1 413"));
        assertThat(answer, containsString("application/problem+json"));
        JsonNode problem = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertEquals(413, problem.path("status").asInt());
        assertEquals("https://flashrig.io/problems/http-413", problem.path("type").asText());
        assertEquals("The request body has more than 65536 bytes; this server accepts at most 65536.",
                problem.path("detail").asText());
        assertEquals(before, TestApi.count(RANGES), "a refused body changed the database");
    }

    @Test
    void aChunkedBodyWithinTheLimitIsReadAsAnyOther() throws Exception {
        String answer = postChunked("{\"first\":\"0A:00:00:00:01:00\",\"last\":\"0A:00:00:00:01:FF\",\"label\":", 16);

        // Read in full and answered on its merits: here, JSON cut short.
        assertThat(answer, startsWith("HTTP/1.1 400"));
        assertThat(answer, containsString("application/problem+json"));
        assertThat(answer, not(containsString("65536")));
    }

    /** Sends the body in chunks of {@code chunkSize} bytes over a raw socket; returns the raw answer. */
    private String postChunked(String body, int chunkSize) throws IOException {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/mac-ranges HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + TestApi.ADMIN_TOKEN + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            try {
                for (int at = 0; at < bytes.length; at += chunkSize) {
                    int length = Math.min(chunkSize, bytes.length - at);
                    out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(bytes, at, length);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException answeredEarly) {
                // The server may answer, and close, before it has the whole body; its answer is still to be read.
            }
            return readAnswer(socket.getInputStream());
        }
    }

    /** The status line, headers and body of one answer, read up to its end (Content-Length or connection close). */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            answer.write(buffer, 0, n);
            String text = answer.toString(StandardCharsets.UTF_8);
            int headersEnd = text.indexOf("\r\n\r\n");
            if (headersEnd >= 0) {
                Matcher length = CONTENT_LENGTH.matcher(text.substring(0, headersEnd));
                if (length.find() && answer.size() >= headersEnd + 4 + Integer.parseInt(length.group(1))) {
                    break;
                }
            }
        }
        return answer.toString(StandardCharsets.UTF_8);
    }
}
