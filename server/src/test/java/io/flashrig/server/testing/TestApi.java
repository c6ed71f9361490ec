package io.flashrig.server.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.flashrig.contract.MacAddress;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.ConfigProvider;
import org.postgresql.ds.PGSimpleDataSource;

/** Shortcuts for tests: REST calls as admin, fresh MAC ranges, rigs, and direct SQL reads against the test database. */
public final class TestApi {

    public static final String ADMIN_TOKEN = "test-admin-token";

    /** Each test's ranges get their own block, so that tests sharing one database never overlap. */
    private static final AtomicInteger BLOCKS = new AtomicInteger();

    private TestApi() {
    }

    /** A request to the management interface (health, metrics), whose port the test found with {@code management}. */
    public static RequestSpecification management(URL management) {
        return given().baseUri(management.getProtocol() + "://" + management.getHost()).port(management.getPort());
    }

    /**
     * Waits until the Prometheus scrape shows {@code line}: the pool and rig gauges are read at most every few seconds
     * (CachedGauge), so a scrape right after a change may still show the figure from before it.
     */
    public static void awaitMetric(URL management, String line) {
        await("the metrics show '" + line + "'").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> management(management).get("/q/metrics").then().statusCode(200).extract().asString(),
                        body -> body.lines().anyMatch(line::equals));
    }

    public static RequestSpecification asAdmin() {
        return given().header("Authorization", "Bearer " + ADMIN_TOKEN).contentType(ContentType.JSON);
    }

    /**
     * Retires every active range and creates a new one of {@code size} addresses, so that the next assignments come
     * from it. Returns its first address as a number (it ends in 00:01: an address ending in 00:00 is never handed out).
     */
    public static long freshRange(int size) {
        long first = nextBlock() + 1;
        freshRange(first, first + size - 1);
        return first;
    }

    /** Retires every active range and creates the range {@code first}–{@code last}. */
    public static void freshRange(long first, long last) {
        List<Integer> active = asAdmin().get("/api/v1/mac-ranges").then().statusCode(200)
                .extract().path("findAll { !it.retired }.id");
        active.forEach(id -> asAdmin().post("/api/v1/mac-ranges/" + id + "/retire").then().statusCode(200));
        asAdmin().body(Map.of("first", mac(first), "last", mac(last), "label", "test block"))
                .post("/api/v1/mac-ranges").then().statusCode(201);
    }

    /** The start of an address block no other test uses, so that tests sharing one database never overlap. */
    public static long nextBlock() {
        return 0x02_00_00_00_00_00L + ((long) BLOCKS.incrementAndGet() << 20);
    }

    /** {@code work} held back until {@code start} opens, so that calls submitted one by one race for real. */
    public static <T> Callable<T> gated(CountDownLatch start, Callable<T> work) {
        return () -> {
            start.await();
            return work.call();
        };
    }

    /** Registers a rig and returns its token. */
    public static String registerRig(String name) {
        return asAdmin().body(Map.of("name", name)).post("/api/v1/rigs").then().statusCode(201)
                .extract().path("token");
    }

    public static String mac(long value) {
        return new io.flashrig.contract.MacAddress(value).toString();
    }

    /** A second, independent way into the test database: plain JDBC connections, no Quarkus pool. */
    public static PGSimpleDataSource directDataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class));
        dataSource.setUser(ConfigProvider.getConfig().getValue("quarkus.datasource.username", String.class));
        dataSource.setPassword(ConfigProvider.getConfig().getValue("quarkus.datasource.password", String.class));
        return dataSource;
    }

    public static long count(String sql, Object... params) {
        try (Connection c = directDataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
