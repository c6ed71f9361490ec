package io.flashrig.server.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.server.testing.CapturedLog;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A refused sign-in, on REST or on the rig service, is counted and logged, and the log never holds the token. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class RefusedSignInsTest {

    @TestHTTPResource("/")
    URL server;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Inject
    MeterRegistry registry;

    @Test
    void anUnknownRestTokenIsCountedAndLoggedWithoutTheToken() {
        String token = "fra_guessed-" + System.nanoTime();
        double before = refused("unknown");
        try (CapturedLog log = CapturedLog.start()) {
            given().header("Authorization", "Bearer " + token).get("/api/v1/mac-pool").then().statusCode(401);
            List<String> lines = log.messages(RefusedSignIns.class);
            assertEquals(1, lines.size(), lines.toString());
            String line = lines.get(0);
            assertTrue(line.contains("/api/v1/mac-pool") && line.contains(token.length() + " characters")
                    && line.contains(Tokens.hash(token).substring(0, 8)), line);
            assertFalse(line.contains(token) || line.contains(token.substring(4)), line);
        }
        assertEquals(before + 1, refused("unknown"));
        TestApi.management(management).get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("flashrig_auth_refused_total{reason=\"unknown\"}"));
    }

    @Test
    void aRigTokenOnTheApiAndAnAdminTokenOnTheRigServiceAreRefusedAsTheWrongKind() {
        String rigToken = TestApi.registerRig("rig-refused-" + System.nanoTime());
        double before = refused("wrong_kind");
        try (CapturedLog log = CapturedLog.start()) {
            given().header("Authorization", "Bearer " + rigToken).get("/api/v1/mac-pool").then().statusCode(403);
            try (RigClient admin = new RigClient(server, TestApi.ADMIN_TOKEN)) {
                RigClient.assertError(assertThrows(Exception.class,
                        () -> admin.rpc().assignMac(AssignMacRequest.newBuilder().setSerial("003C0047343051153638B0F1")
                                .build())), Status.Code.PERMISSION_DENIED, "NOT_A_RIG_TOKEN");
            }
            List<String> lines = log.messages(RefusedSignIns.class);
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(1).contains("gRPC ") && lines.get(1).contains("AssignMac"), lines.get(1));
            for (String line : lines) {
                assertFalse(line.contains(rigToken) || line.contains(TestApi.ADMIN_TOKEN), line);
            }
        }
        assertEquals(before + 2, refused("wrong_kind"));
    }

    @Test
    void aMissingTokenOnTheRigServiceIsCounted() throws InterruptedException {
        double before = refused("missing");
        try (RigClient none = new RigClient(server, null)) {
            RigClient.assertError(assertThrows(Exception.class,
                    () -> none.rpc().assignMac(AssignMacRequest.newBuilder().setSerial("003C0047343051153638B0F2")
                            .build())), Status.Code.UNAUTHENTICATED, "TOKEN_MISSING");
        }
        assertEquals(before + 1, refused("missing"));
    }

    private double refused(String reason) {
        Counter counter = registry.find(RefusedSignIns.METRIC).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }
}
