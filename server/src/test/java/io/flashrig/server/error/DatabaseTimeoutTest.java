package io.flashrig.server.error;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.WireNames;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The datasource's timeouts bite: a call held by a lock another connection keeps, a statement that runs on, and a
 * database that no longer answers each end with an error the rig or the admin is told to retry, rather than holding the
 * caller. A server of its own with small bounds, so that the test is quick; production's are in application.properties.
 */
@QuarkusTest
@TestProfile(DatabaseTimeoutTest.SmallBounds.class)
@WithTestResource(PostgresResource.class)
class DatabaseTimeoutTest {

    /** Small bounds, in the same settings that production's are in. */
    public static final class SmallBounds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.jdbc.additional-jdbc-properties.options",
                    "-c statement_timeout=2s -c lock_timeout=1s -c idle_in_transaction_session_timeout=5min",
                    "quarkus.datasource.jdbc.additional-jdbc-properties.socketTimeout", "3");
        }
    }

    /** How long a call may take before the test calls it hung: far above the bounds, as it only checks that it ends. */
    private static final Duration HUNG = Duration.ofSeconds(60);

    @TestHTTPResource("/")
    URL server;

    @Inject
    DataSource dataSource;

    @Test
    void anAdminCallHeldByARowLockIsAnswered503ToRetry() throws Exception {
        TestApi.registerRig("rig-locked-rest");
        try (Connection holder = lockRig("rig-locked-rest")) {
            CompletableFuture<ValidatableResponse> call = CompletableFuture.supplyAsync(() ->
                    TestApi.asAdmin().post("/api/v1/rigs/rig-locked-rest/token").then());
            await("the token rotation ends").atMost(HUNG).until(call::isDone);
            call.get().statusCode(503).contentType(Problem.MEDIA_TYPE).header("Retry-After", equalTo("5"))
                    .body("detail", equalTo(TransientFailure.MESSAGE));
        }
    }

    @Test
    void aRigCallHeldByARowLockEndsUnavailable() throws Exception {
        String token = TestApi.registerRig("rig-locked-grpc");
        try (Connection holder = lockRig("rig-locked-grpc"); RigClient rig = new RigClient(server, token)) {
            CompletableFuture<Throwable> call = CompletableFuture.supplyAsync(() -> assertThrows(StatusRuntimeException.class,
                    () -> rig.rpc().openSession(RigClient.sessionRequest(UUID.randomUUID().toString()))));
            await("the session opening ends").atMost(HUNG).until(call::isDone);
            RigClient.assertError(call.get(), Status.Code.UNAVAILABLE, WireNames.reason(ErrorReason.ERROR_REASON_SERVER_UNAVAILABLE));
        }
    }

    @Test
    void aStatementThatRunsOnIsCancelledAsRetryable() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            SQLException cancelled = assertThrows(SQLException.class, () -> s.execute("SELECT pg_sleep(30)"));
            assertEquals("57014", cancelled.getSQLState(), cancelled.getMessage());
            assertTrue(TransientFailure.is(cancelled));
        }
    }

    @Test
    void aDatabaseThatNoLongerAnswersIsGivenUpOnAsRetryable() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            // Without PostgreSQL's own limit, only the driver's socket timeout is left to end the wait.
            s.execute("SET statement_timeout = 0");
            SQLException lost = assertThrows(SQLException.class, () -> s.execute("SELECT pg_sleep(30)"));
            assertTrue(lost.getSQLState().startsWith("08"), lost.getSQLState() + " " + lost.getMessage());
            assertTrue(TransientFailure.is(lost));
        }
    }

    /** Locks the rig's row in a transaction of a connection of its own, until the connection is closed. */
    private static Connection lockRig(String name) throws SQLException {
        Connection c = TestApi.directDataSource().getConnection();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM rig WHERE name = ? FOR UPDATE")) {
            ps.setString(1, name);
            ps.executeQuery().close();
        }
        return c;
    }
}
