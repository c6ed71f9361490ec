package io.flashrig.server.release;

import static io.flashrig.server.testing.TestApi.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.flashrig.contract.ReleaseManifest;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Releases over REST: stored once and never changed, retired, pinned to rigs, the default; bad input refused. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class ReleaseResourceTest {

    private static final String LAYOUT = "FlashLayout_emmc.tsv";
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    private static Map<String, Object> manifest(String name, String rootfs) {
        return Map.of("name", name, "layout", LAYOUT, "files", Map.of(LAYOUT, A, "rootfs.ext4", rootfs));
    }

    @Test
    void storesAReleaseOnceAndAnswersTheSameContentWith200AndOtherContentWith409() {
        String hash = ReleaseManifest.of("hub3-v1", LAYOUT, Map.of(LAYOUT, A, "rootfs.ext4", B)).sha256();
        asAdmin().body(manifest("hub3-v1", B)).post("/api/v1/releases").then().statusCode(201)
                .header("Location", containsString("/api/v1/releases/hub3-v1"))
                .body("manifestSha256", equalTo(hash)).body("files.'rootfs.ext4'", equalTo(B))
                .body("layout", equalTo(LAYOUT)).body("retired", equalTo(false));
        asAdmin().body(manifest("hub3-v1", B)).post("/api/v1/releases").then().statusCode(200)
                .body("manifestSha256", equalTo(hash));
        asAdmin().body(manifest("hub3-v1", A)).post("/api/v1/releases").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("never changes"));
        asAdmin().get("/api/v1/releases/hub3-v1").then().statusCode(200).body("files.'rootfs.ext4'", equalTo(B));
        asAdmin().get("/api/v1/releases").then().statusCode(200).body("name", hasItem("hub3-v1"));
        asAdmin().get("/api/v1/audit").then()
                .body("items.find { it.action == 'release.create' && it.subject == 'release hub3-v1' }.detail",
                        containsString(hash));
    }

    @Test
    void everyBadInputIsAProblemWithASentence() {
        String[] bodies = {
            "",
            "{",
            "[]",
            "{\"name\":\"r\",\"layout\":\"" + LAYOUT + "\"}",
            "{\"name\":\"r\",\"layout\":\"" + LAYOUT + "\",\"files\":{}}",
            "{\"name\":\"r\",\"layout\":\"" + LAYOUT + "\",\"files\":{\"" + LAYOUT + "\":\"ABC\"}}",
            "{\"name\":\"r\",\"layout\":\"" + LAYOUT + "\",\"files\":{\"" + LAYOUT + "\":5}}",
            "{\"name\":\"r\",\"layout\":\"" + LAYOUT + "\",\"files\":{\"x.bin\":\"" + A + "\"}}",
            "{\"name\":\"r\",\"layout\":\"" + LAYOUT + "\",\"files\":{\"" + LAYOUT + "\":\"" + A + "\",\"../x\":\"" + A + "\"}}",
            "{\"name\":\"a b\",\"layout\":\"" + LAYOUT + "\",\"files\":{\"" + LAYOUT + "\":\"" + A + "\"}}",
            "{\"name\":\"default\",\"layout\":\"" + LAYOUT + "\",\"files\":{\"" + LAYOUT + "\":\"" + A + "\"}}",
            "{\"name\":7,\"layout\":\"" + LAYOUT + "\",\"files\":{\"" + LAYOUT + "\":\"" + A + "\"}}",
        };
        for (String body : bodies) {
            asAdmin().body(body).post("/api/v1/releases").then().statusCode(400)
                    .contentType("application/problem+json").body("detail", not(nullValue()));
        }
        asAdmin().get("/api/v1/releases/no-such-release").then().statusCode(404).contentType("application/problem+json");
        asAdmin().get("/api/v1/releases/bad%20name").then().statusCode(400).contentType("application/problem+json");
        asAdmin().post("/api/v1/releases/no-such-release/retire").then().statusCode(404).contentType("application/problem+json");
        asAdmin().body("{}").put("/api/v1/releases/default").then().statusCode(400).contentType("application/problem+json");
        asAdmin().body(Map.of("release", "no-such-release")).put("/api/v1/releases/default").then().statusCode(404);
        asAdmin().body(Map.of("release", "no-such-release")).put("/api/v1/rigs/no-such-rig/release").then().statusCode(404)
                .contentType("application/problem+json");
        asAdmin().body("{\"release\":true}").put("/api/v1/releases/default").then().statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void onlyAnAdminStoresAReleaseAViewerReadsThem() {
        asAdmin().body(manifest("hub3-viewer", B)).post("/api/v1/releases").then().statusCode(201);
        String viewer = asAdmin().body(Map.of("name", "release-reader", "role", "viewer")).post("/api/v1/tokens")
                .then().statusCode(201).extract().path("token");
        given().header("Authorization", "Bearer " + viewer).contentType(ContentType.JSON).body(manifest("hub3-by-viewer", B))
                .post("/api/v1/releases").then().statusCode(403);
        given().header("Authorization", "Bearer " + viewer).get("/api/v1/releases/hub3-viewer").then().statusCode(200);
        given().header("Authorization", "Bearer " + viewer).contentType(ContentType.JSON).body(Map.of("release", "hub3-viewer"))
                .put("/api/v1/releases/default").then().statusCode(403);
    }

    @Test
    void aRigFlashesItsPinElseTheDefaultAndARetiredReleaseCannotBeChosen() {
        TestApi.registerRig("rig-pinned");
        asAdmin().body(manifest("hub3-pin-a", A)).post("/api/v1/releases").then().statusCode(201);
        asAdmin().body(manifest("hub3-pin-b", B)).post("/api/v1/releases").then().statusCode(201);

        asAdmin().body(Map.of("release", "hub3-pin-a")).put("/api/v1/releases/default").then().statusCode(200)
                .body("release", equalTo("hub3-pin-a"));
        asAdmin().get("/api/v1/rigs/rig-pinned/release").then().statusCode(200)
                .body("release", equalTo("hub3-pin-a")).body("source", equalTo("default"));

        asAdmin().body(Map.of("release", "hub3-pin-b")).put("/api/v1/rigs/rig-pinned/release").then().statusCode(200)
                .body("release", equalTo("hub3-pin-b")).body("source", equalTo("pinned"));
        asAdmin().get("/api/v1/releases/hub3-pin-b").then().body("rigs", hasItem("rig-pinned"));

        asAdmin().post("/api/v1/releases/hub3-pin-b/retire").then().statusCode(200).body("retired", equalTo(true));
        asAdmin().post("/api/v1/releases/hub3-pin-b/retire").then().statusCode(200).body("retired", equalTo(true));
        // The rig stays on its retired release, so that it stops flashing instead of falling back to another image.
        asAdmin().get("/api/v1/rigs/rig-pinned/release").then().body("release", equalTo("hub3-pin-b"))
                .body("retired", equalTo(true));
        asAdmin().body(Map.of("release", "hub3-pin-b")).put("/api/v1/rigs/rig-pinned/release").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("retired"));
        asAdmin().body(Map.of("release", "hub3-pin-b")).put("/api/v1/releases/default").then().statusCode(409);

        asAdmin().delete("/api/v1/rigs/rig-pinned/release").then().statusCode(200)
                .body("release", equalTo("hub3-pin-a")).body("source", equalTo("default"));
        asAdmin().delete("/api/v1/releases/default").then().statusCode(204);
        asAdmin().get("/api/v1/releases/default").then().statusCode(404).contentType("application/problem+json");
        asAdmin().get("/api/v1/rigs/rig-pinned/release").then().body("source", equalTo("none"));
        asAdmin().get("/api/v1/audit").then()
                .body("items.findAll { it.action == 'rig.release' && it.subject == 'rig rig-pinned' }.size()", equalTo(2))
                .body("items.find { it.action == 'release.retire' }.subject", equalTo("release hub3-pin-b"));
    }
}
