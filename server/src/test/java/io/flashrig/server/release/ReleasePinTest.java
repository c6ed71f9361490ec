package io.flashrig.server.release;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.ReleaseManifest;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.CheckRigRequest;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.server.testing.Events;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The rig's release on the wire (session, every stream answer, CheckRig) and on every flash attempt it reports. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class ReleasePinTest {

    private static final String LAYOUT = "FlashLayout_emmc.tsv";

    @TestHTTPResource("/")
    URL server;

    private static ReleaseManifest release(String name, char fill) {
        ReleaseManifest manifest = ReleaseManifest.of(name, LAYOUT, Map.of(LAYOUT, String.valueOf(fill).repeat(64),
                "rootfs.ext4", "c".repeat(64)));
        asAdmin().body(Map.of("name", manifest.name(), "layout", manifest.layout(), "files", manifest.files()))
                .post("/api/v1/releases").then().statusCode(201);
        return manifest;
    }

    @Test
    void theSessionAndEveryStreamAnswerCarryTheRigsCurrentRelease() throws Exception {
        String token = TestApi.registerRig("rig-pin-wire");
        ReleaseManifest first = release("wire-v1", 'a');
        ReleaseManifest second = release("wire-v2", 'b');
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse unpinned = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            assertFalse(unpinned.hasReleasePin(), "no pin and no default: the rig flashes its own layout");

            asAdmin().body(Map.of("release", "wire-v1")).put("/api/v1/rigs/rig-pin-wire/release").then().statusCode(200);
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            ReleasePin pin = session.getReleasePin();
            assertEquals("wire-v1", pin.getReleaseName());
            assertEquals(first.sha256(), pin.getManifestSha256());
            assertEquals(LAYOUT, pin.getLayoutName());
            assertEquals(first.files(), new java.util.TreeMap<>(pin.getFileSha256Map()));
            assertEquals(pin.getManifestSha256(), ReleaseManifest.of(pin.getReleaseName(), pin.getLayoutName(),
                    pin.getFileSha256Map()).sha256(), "the agent can recompute the hash from what it is told");

            try (RigClient.EventStream stream = rig.stream()) {
                assertEquals("wire-v1", stream.send(RigClient.batch(session)).getReleasePin().getReleaseName());
                asAdmin().body(Map.of("release", "wire-v2")).put("/api/v1/rigs/rig-pin-wire/release").then().statusCode(200);
                StreamBoardEventsResponse heartbeat = stream.send(RigClient.batch(session));
                assertEquals("wire-v2", heartbeat.getReleasePin().getReleaseName());
                assertEquals(second.sha256(), heartbeat.getReleasePin().getManifestSha256());

                asAdmin().post("/api/v1/releases/wire-v2/retire").then().statusCode(200);
                assertTrue(stream.send(RigClient.batch(session)).getReleasePin().getRetired());
                assertTrue(rig.rpc().checkRig(CheckRigRequest.getDefaultInstance()).getReleasePin().getRetired(),
                        "doctor reads the pin without opening a session");

                asAdmin().delete("/api/v1/rigs/rig-pin-wire/release").then().statusCode(200);
                assertFalse(stream.send(RigClient.batch(session)).hasReleasePin());
            }
        }
    }

    /**
     * A replica keeps each rig's release in memory: a pin changed behind its back (by another replica, or by hand in
     * SQL as here) must still reach a stream that runs on it.
     */
    @Test
    void aPinChangedOnAnotherReplicaReachesARunningStream() throws Exception {
        String token = TestApi.registerRig("rig-pin-elsewhere");
        release("elsewhere-v1", 'e');
        ReleaseManifest second = release("elsewhere-v2", 'f');
        asAdmin().body(Map.of("release", "elsewhere-v1")).put("/api/v1/rigs/rig-pin-elsewhere/release").then()
                .statusCode(200);
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            try (RigClient.EventStream stream = rig.stream()) {
                // Twice: the second answer is the kept one.
                assertEquals("elsewhere-v1", stream.send(RigClient.batch(session)).getReleasePin().getReleaseName());
                assertEquals("elsewhere-v1", stream.send(RigClient.batch(session)).getReleasePin().getReleaseName());

                try (Connection c = TestApi.directDataSource().getConnection();
                        PreparedStatement repin = c.prepareStatement("UPDATE rig_release SET release_name = ?"
                                + " WHERE rig_id = (SELECT id FROM rig WHERE name = ? AND revoked_at IS NULL)")) {
                    repin.setString(1, "elsewhere-v2");
                    repin.setString(2, "rig-pin-elsewhere");
                    assertEquals(1, repin.executeUpdate());
                }

                ReleasePin heard = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> stream.send(RigClient.batch(session)).getReleasePin(),
                                p -> p.getReleaseName().equals("elsewhere-v2"));
                assertEquals(second.sha256(), heard.getManifestSha256());
                assertEquals(second.files(), new java.util.TreeMap<>(heard.getFileSha256Map()));
            }
        }
    }

    @Test
    void everyAttemptRecordsItsReleaseAndTheStatsAndExportShowIt() throws Exception {
        String token = TestApi.registerRig("rig-pin-records");
        ReleaseManifest release = release("records-v1", 'd');
        asAdmin().body(Map.of("release", "records-v1")).put("/api/v1/rigs/rig-pin-records/release").then().statusCode(200);
        Events flashed = new Events("0052454C4541534500000001", 1, Instant.now().minusSeconds(120));
        Events refused = new Events("0052454C4541534500000002", 5, Instant.now().minusSeconds(120));
        BoardEvent detected = flashed.detected();
        BoardEvent started = flashed.flashStarted();
        started = started.toBuilder().setFlashStarted(started.getFlashStarted().toBuilder().setReleaseName("records-v1")
                .setManifestSha256(release.sha256())).build();
        BoardEvent refusedDetected = refused.detected();
        BoardEvent mismatch = refused.failed(FailureReason.FAILURE_REASON_IMAGE_MISMATCH, "rootfs.ext4 differs");
        mismatch = mismatch.toBuilder().setFailed(mismatch.getFailed().toBuilder().setReleaseName("records-v1")
                .setManifestSha256(release.sha256())).build();
        try (RigClient rig = new RigClient(server, token)) {
            OpenSessionResponse session = rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()));
            try (RigClient.EventStream stream = rig.stream()) {
                stream.send(RigClient.batch(session, detected, started, flashed.flashed(), flashed.done("")));
                stream.send(RigClient.batch(session, refusedDetected, mismatch));
            }
        }
        asAdmin().get("/api/v1/boards/" + flashed.serial()).then().statusCode(200)
                .body("attempts[0].release", equalTo("records-v1"))
                .body("attempts[0].releaseManifestSha256", equalTo(release.sha256()));
        asAdmin().get("/api/v1/boards/" + refused.serial()).then().statusCode(200)
                .body("attempts[0].release", equalTo("records-v1"))
                .body("attempts[0].failureCode", equalTo("IMAGE_MISMATCH"));
        asAdmin().get("/api/v1/stats?hours=1").then().statusCode(200)
                .body("perRelease.find { it.release == 'records-v1' }.ended", equalTo(2))
                .body("perRelease.find { it.release == 'records-v1' }.done", equalTo(1));
        String csv = asAdmin().accept("text/csv").get("/api/v1/boards?rig=rig-pin-records").then().statusCode(200)
                .extract().asString();
        assertTrue(List.of(csv.split("\r\n")).stream().skip(1).allMatch(line -> line.endsWith(",records-v1")), csv);
        asAdmin().get("/api/v1/live/snapshot").then().statusCode(200)
                .body("rigs.find { it.name == 'rig-pin-records' }.release", equalTo("records-v1"));
    }
}
