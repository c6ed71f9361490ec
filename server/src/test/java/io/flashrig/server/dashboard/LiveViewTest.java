package io.flashrig.server.dashboard;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The live view's API: pushed updates after commit, the snapshot, the quality figures, and who may read them. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class LiveViewTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL server;

    @Test
    void aCommittedBoardEventIsPushedToEveryLiveSubscriber() throws Exception {
        BlockingQueue<JsonNode> pushed = new LinkedBlockingQueue<>();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest subscribe = HttpRequest.newBuilder(URI.create(server + "api/v1/live/events"))
                .header("Authorization", "Bearer " + TestApi.ADMIN_TOKEN).header("Accept", "text/event-stream")
                .build();
        HttpResponse<java.io.InputStream> response = http.send(subscribe, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("data:")) {
                        pushed.add(JSON.readTree(line.substring(5)));
                    }
                }
            } catch (java.io.IOException closed) {
                // The test ends the stream.
            }
        });
        reader.setDaemon(true);
        reader.start();

        try (ReportingRig rig = new ReportingRig(server, "rig-live-push")) {
            String attempt = rig.flashing("003C00473430511536380001", "1-1.2", 42);
            JsonNode update = next(pushed, "board", "003C00473430511536380001", "FLASHING");
            assertEquals("rig-live-push", update.path("board").path("rig").asText());
            assertEquals(42, update.path("board").path("percent").asInt());
            assertEquals("bootfs", update.path("board").path("partition").asText());
            assertEquals(attempt, update.path("board").path("attemptId").asText());

            rig.failed("003C00473430511536380001", attempt, "1-1.2", "Error: Start operation failed at partition 0x01");
            JsonNode failed = next(pushed, "board", "003C00473430511536380001", "FAILED");
            assertEquals("PROGRAMMER_ERROR", failed.path("board").path("failureCode").asText());
        } finally {
            response.body().close();
        }
    }

    private static JsonNode next(BlockingQueue<JsonNode> pushed, String type, String serial, String state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            JsonNode update = pushed.poll(1, TimeUnit.SECONDS);
            if (update != null && type.equals(update.path("type").asText())
                    && serial.equals(update.path("board").path("serial").asText())
                    && state.equals(update.path("board").path("state").asText())) {
                return update;
            }
        }
        throw new AssertionError("No pushed " + type + " update for " + serial + " in state " + state);
    }

    @Test
    void theSnapshotShowsEachSlotsNewestBoardWithItsProgress() throws Exception {
        try (ReportingRig rig = new ReportingRig(server, "rig-live-snapshot")) {
            String old = rig.flashing("003C00473430511536380002", "1-1.5", 10);
            rig.failed("003C00473430511536380002", old, "1-1.5", "Error: Target device not found.");
            rig.flashing("003C00473430511536380003", "1-1.5", 77);

            JsonNode snapshot = JSON.readTree(asAdmin().get("/api/v1/live/snapshot").then().statusCode(200)
                    .extract().asString());
            JsonNode slot = null;
            for (JsonNode board : snapshot.path("slots")) {
                if ("rig-live-snapshot".equals(board.path("rig").asText())) {
                    assertEquals(null, slot, "one board per slot");
                    slot = board;
                }
            }
            assertNotNull(slot);
            assertEquals("003C00473430511536380003", slot.path("serial").asText());
            assertEquals(77, slot.path("percent").asInt());
            assertEquals("5", slot.path("slotLabel").asText());
            asAdmin().get("/api/v1/live/snapshot").then()
                    .body("recentFailures.serial", hasItem("003C00473430511536380002"))
                    .body("rigs.name", hasItem("rig-live-snapshot"));
        }
    }

    @Test
    void statsCountEndedAttemptsPerRigAndSlot() throws Exception {
        try (ReportingRig rig = new ReportingRig(server, "rig-live-stats")) {
            String attempt = rig.flashing("003C00473430511536380004", "1-1.7", 50);
            rig.failed("003C00473430511536380004", attempt, "1-1.7", "Error: TSV flashing service failed");
        }
        asAdmin().get("/api/v1/stats?hours=1").then().statusCode(200)
                .body("perRig.find { it.rig == 'rig-live-stats' }.failed", equalTo(1))
                .body("perRig.find { it.rig == 'rig-live-stats' }.yield", equalTo(0.0f))
                .body("perSlot.find { it.rig == 'rig-live-stats' }.slot", equalTo("7"))
                .body("topFailures.code", hasItem("PROGRAMMER_ERROR"))
                .body("boardsPerHour.size()", equalTo(2));
    }

    @Test
    void theLiveViewNeedsAToken() {
        RestAssured.get("/api/v1/live/snapshot").then().statusCode(401);
        RestAssured.get("/api/v1/live/events").then().statusCode(401);
        RestAssured.get("/api/v1/stats").then().statusCode(401);
        // The page itself is public but holds no data.
        RestAssured.get("/dashboard/").then().statusCode(200).body(containsString("Sign in"))
                .body(org.hamcrest.Matchers.not(containsString("04:D9")));
    }

    @Test
    void aPeriodOutsideOneHourToOneMonthIsRefused() {
        asAdmin().get("/api/v1/stats?hours=0").then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("detail", containsString("hours"));
        asAdmin().get("/api/v1/stats?hours=lots").then().statusCode(400)
                .contentType(containsString("application/problem+json"));
    }
}
