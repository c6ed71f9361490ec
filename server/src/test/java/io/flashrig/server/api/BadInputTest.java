package io.flashrig.server.api;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input of every kind gets a 4xx problem+json with a sentence, never a 500, and changes nothing. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class BadInputTest {

    @TestHTTPResource("/")
    URL server;

    private static final String RANGE = "{\"first\":\"06:00:00:00:00:00\",\"last\":\"06:00:00:00:00:FF\",\"label\":\"x\"}";
    private static final String TABLES = "SELECT (SELECT count(*) FROM mac_range) * 1000000000"
            + " + (SELECT count(*) FROM rig) * 1000000 + (SELECT count(*) FROM api_token) * 1000"
            + " + (SELECT count(*) FROM audit_entry) + (SELECT count(*) FROM mac_assignment) * 100000000000";

    @BeforeEach
    void anExistingRangeAndRig() {
        if (TestApi.count("SELECT count(*) FROM mac_range WHERE first_mac = ?", 0x06_00_00_00_00_00L) == 0) {
            asAdmin().body(RANGE).post("/api/v1/mac-ranges").then().statusCode(201);
            TestApi.registerRig("rig-bad-input");
        }
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                row("malformed JSON", "POST", "/api/v1/mac-ranges", "{\"first\":", 400),
                row("not JSON at all", "POST", "/api/v1/mac-ranges", "first=04:D9:21:00:00:00", 400),
                row("JSON array instead of object", "POST", "/api/v1/mac-ranges", "[1,2]", 400),
                row("JSON null", "POST", "/api/v1/mac-ranges", "null", 400),
                row("empty body", "POST", "/api/v1/mac-ranges", "", 400),
                row("wrong type: number for a MAC", "POST", "/api/v1/mac-ranges",
                        "{\"first\":1,\"last\":2,\"label\":\"x\"}", 400),
                row("wrong type: object for a label", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"04:D9:21:00:00:00\",\"last\":\"04:D9:21:00:0F:FF\",\"label\":{\"a\":1}}", 400),
                row("unknown field", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"04:D9:21:00:00:00\",\"last\":\"04:D9:21:00:0F:FF\",\"label\":\"x\",\"size\":9}",
                        400),
                row("first after last", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"04:D9:21:00:0F:FF\",\"last\":\"04:D9:21:00:00:00\",\"label\":\"x\"}", 400),
                row("multicast", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"01:00:5E:00:00:00\",\"last\":\"01:00:5E:00:00:FF\",\"label\":\"x\"}", 400),
                row("malformed MAC", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"04:D9:21:00:00\",\"last\":\"04:D9:21:00:0F:FF\",\"label\":\"x\"}", 400),
                row("range crossing into multicast", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"04:FF:FF:FF:FF:00\",\"last\":\"05:00:00:00:00:10\",\"label\":\"x\"}", 400),
                row("missing label", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"04:D9:21:00:00:00\",\"last\":\"04:D9:21:00:0F:FF\"}", 400),
                row("overlapping range", "POST", "/api/v1/mac-ranges",
                        "{\"first\":\"06:00:00:00:00:80\",\"last\":\"06:00:00:00:01:FF\",\"label\":\"y\"}", 409),
                row("deeply nested JSON", "POST", "/api/v1/rigs", "[".repeat(5000) + "]".repeat(5000), 400),
                row("rig name with odd characters", "POST", "/api/v1/rigs", "{\"name\":\"rig 3; DROP TABLE rig\"}",
                        400),
                row("rig name missing", "POST", "/api/v1/rigs", "{\"name\":null}", 400),
                row("existing rig name", "POST", "/api/v1/rigs", "{\"name\":\"rig-bad-input\"}", 409),
                row("unknown token role", "POST", "/api/v1/tokens", "{\"name\":\"x\",\"role\":\"superuser\"}", 400),
                row("quarantine without reason", "POST", "/api/v1/macs/06:00:00:00:00:01/quarantine", "{}", 400),
                row("quarantine of an unassigned MAC", "POST", "/api/v1/macs/06:00:00:00:00:01/quarantine",
                        "{\"reason\":\"scrapped\"}", 404),
                row("control characters in a MAC path", "GET", "/api/v1/macs/%00%3Cscript%3E", null, 400),
                row("multicast MAC path", "GET", "/api/v1/macs/01-00-5E-00-00-01", null, 400),
                row("odd characters in a serial path", "GET", "/api/v1/boards/%E2%98%83'%20OR%201=1", null, 400),
                row("unknown board", "GET", "/api/v1/boards/003C00473430511536383699", null, 404),
                row("unknown rig", "GET", "/api/v1/rigs/%E2%98%83", null, 404),
                row("new token for an unknown rig", "POST", "/api/v1/rigs/no-such-rig/token", null, 404),
                row("negative MAC quota", "PUT", "/api/v1/rigs/rig-bad-input/mac-quota", "{\"newMacsPerHour\":-1}", 400),
                row("MAC quota beyond any rig", "PUT", "/api/v1/rigs/rig-bad-input/mac-quota",
                        "{\"newMacsPerHour\":1000001}", 400),
                row("MAC quota as text", "PUT", "/api/v1/rigs/rig-bad-input/mac-quota", "{\"newMacsPerHour\":\"600\"}",
                        400),
                row("MAC quota a fraction", "PUT", "/api/v1/rigs/rig-bad-input/mac-quota", "{\"newMacsPerHour\":1.5}",
                        400),
                row("MAC quota too large for a number", "PUT", "/api/v1/rigs/rig-bad-input/mac-quota",
                        "{\"newMacsPerHour\":99999999999999999999}", 400),
                row("MAC quota missing", "PUT", "/api/v1/rigs/rig-bad-input/mac-quota", "{}", 400),
                row("MAC quota of an unknown rig", "PUT", "/api/v1/rigs/no-such-rig/mac-quota",
                        "{\"newMacsPerHour\":10}", 404),
                row("range id not a number", "DELETE", "/api/v1/mac-ranges/abc", null, 400),
                row("unknown range", "POST", "/api/v1/mac-ranges/999999/retire", null, 404),
                row("bad state filter", "GET", "/api/v1/boards?state=SHINY", null, 400),
                row("bad since filter", "GET", "/api/v1/boards?since=yesterday", null, 400),
                row("page not a number", "GET", "/api/v1/boards?page=abc", null, 400),
                row("negative page", "GET", "/api/v1/audit?page=-1", null, 400),
                row("page too large", "GET", "/api/v1/alerts?size=100000", null, 400),
                row("unknown path", "GET", "/api/v1/nothing-here", null, 404),
                row("unknown path outside the API", "GET", "/wp-admin/setup.php", null, 404),
                row("wrong method", "PUT", "/api/v1/mac-pool", "{}", 405),
                row("unsupported content type", "POST", "/api/v1/rigs", "<rig name='x'/>", 415),
                row("unacceptable response type", "GET", "/api/v1/mac-pool", null, 406));
    }

    @Test
    void aHugeBodyIsRefusedBeforeItIsRead() throws Exception {
        long before = TestApi.count(TABLES);
        // A raw socket: the server answers as soon as it sees the declared length, before the body is sent.
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/mac-ranges HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + TestApi.ADMIN_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
                    + "{\"label\":\"").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[1024];
            while (!answer.toString().endsWith("}")) {
                int read = socket.getInputStream().read(buffer);
                if (read < 0) {
                    break;
                }
                answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
            org.hamcrest.MatcherAssert.assertThat(answer.toString(), allOf(startsWith("HTTP/1.1 413"),
                    containsString("application/problem+json"), containsString("at most 65536")));
        }
        assertEquals(before, TestApi.count(TABLES));
    }

    private static Arguments row(String name, String method, String path, String body, int status) {
        return Arguments.of(name, method, path, body, status);
    }

    @ParameterizedTest(name = "{0} → {4}")
    @MethodSource("badRequests")
    void isRefusedWithAProblemAndChangesNothing(String name, String method, String path, String body, int status) {
        long before = TestApi.count(TABLES);
        RequestSpecification request = asAdmin().urlEncodingEnabled(false);
        if (name.equals("unsupported content type")) {
            request = request.contentType("application/xml");
        }
        if (name.equals("unacceptable response type")) {
            request = request.accept("application/xml");
        }
        if (body != null) {
            request = request.body(body);
        }
        Response response = request.request(method, path);
        response.then().log().ifValidationFails().statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("title", notNullValue())
                .body("type", matchesPattern("https://flashrig\\.io/problems/.+"))
                .body("detail", allOf(notNullValue(), matchesPattern("(?s).{15,}")));
        assertEquals(before, TestApi.count(TABLES), "a refused request changed the database");
        List.of(response.statusCode()).forEach(code -> org.hamcrest.MatcherAssert.assertThat(code,
                allOf(greaterThanOrEqualTo(400), lessThan(500))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void neverNeedsCredentialsToBeRefusedPolitely(String name, String method, String path, String body, int status) {
        // Without a token the same requests get 401 (or 404 for paths that do not exist): still problem+json.
        Response response = io.restassured.RestAssured.given().urlEncodingEnabled(false)
                .contentType("application/json").body(body == null ? "" : body).request(method, path);
        int expected = status == 404 && (path.contains("nothing-here") || path.contains("wp-admin")) ? 404
                : status == 405 || status == 415 || status == 406 ? response.statusCode() : 401;
        response.then().statusCode(expected).contentType("application/problem+json");
        org.hamcrest.MatcherAssert.assertThat(response.statusCode(), lessThan(500));
        Map<String, Object> problem = response.jsonPath().getMap("$");
        assertEquals(response.statusCode(), problem.get("status"));
    }
}
