package io.flashrig.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged FlashRig server ({@code quarkus-run.jar}) run as a real process on a fixed port and database, with its
 * management interface (health, metrics) on a fixed port of its own: two replicas on one machine must not both want
 * the default 9000.
 */
public final class ServerProcess implements AutoCloseable {

    /** The admin token every scenario's server accepts. */
    public static final String ADMIN_TOKEN = "e2e-admin-token-0123456789";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Database database;
    private final int port;
    private final int managementPort;
    /** The TLS port, 0 for a plaintext server. */
    private final int tlsPort;
    private final HttpClient http;
    private final Path log;
    private final Map<String, String> extraEnv;
    private Process process;
    private int starts;

    private ServerProcess(Database database, int port, int managementPort, int tlsPort, HttpClient http, Path log,
            Map<String, String> extraEnv) {
        this.database = database;
        this.port = port;
        this.managementPort = managementPort;
        this.tlsPort = tlsPort;
        this.http = http;
        this.log = log;
        this.extraEnv = extraEnv;
    }

    /** Starts a server on a free port against {@code database} and waits until it is ready. */
    public static ServerProcess start(Database database, Path logDir, String name) {
        return start(database, logDir, name, Map.of());
    }

    /** As {@link #start(Database, Path, String)}, with extra environment (e.g. a heap size in JAVA_TOOL_OPTIONS). */
    public static ServerProcess start(Database database, Path logDir, String name, Map<String, String> extraEnv) {
        int[] ports = distinctFreePorts(2);
        ServerProcess server = new ServerProcess(database, ports[0], ports[1], 0, HTTP, logDir.resolve(name + ".log"),
                extraEnv);
        server.startAgain();
        return server;
    }

    /** As {@link #start(Database, Path, String)}, serving only TLS with a certificate {@code ca} signed. */
    public static ServerProcess startTls(Database database, Path logDir, String name, TestCa ca) {
        int[] ports = distinctFreePorts(3);
        HttpClient trusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(ca.clientContext()).build();
        ServerProcess server = new ServerProcess(database, ports[0], ports[1], ports[2], trusting,
                logDir.resolve(name + ".log"), ca.serverEnv(ports[2]));
        server.startAgain();
        return server;
    }

    /** Starts it (again) on the same ports and database, and waits for {@code /q/health/ready} to say UP. */
    public synchronized void startAgain() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the server on port " + port + " already runs");
        }
        List<String> command = new ArrayList<>(List.of(Workspace.java(), "-Xmx512m", "-jar",
                Workspace.serverJar().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        env.put("FLASHRIG_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", database.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", database.user());
        env.put("QUARKUS_DATASOURCE_PASSWORD", "");
        // Scenarios give one rig hundreds of boards within minutes, far past a real rig's hour; a scenario about the
        // quota itself sets its own in extraEnv.
        env.put("FLASHRIG_RIG_NEW_MACS_PER_HOUR", "1000000");
        env.putAll(extraEnv);
        try {
            Files.createDirectories(log.getParent());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the server could not be started", e);
        }
        starts++;
        Process started = process;
        Await.until(Duration.ofSeconds(90), "server on port " + port + " ready (start " + starts + ")",
                () -> {
                    if (!started.isAlive()) {
                        throw new AssertionError("the server exited with status " + started.exitValue() + ":\n" + logTail());
                    }
                    // Health answers on the management interface, which may be up a moment before the port that
                    // rigs and admins use: ready means both.
                    return readiness() == 200 && servesRequests();
                }, this::logTail);
    }

    /** True when the port of REST, dashboard and gRPC answers at all (any HTTP status). */
    private boolean servesRequests() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/dashboard/"))
                    .timeout(Duration.ofSeconds(3)).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() > 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** HTTP status of {@code /q/health/ready} on the management port: 200 UP, 503 DOWN, -1 when nothing answers. */
    public int readiness() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(3)).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Kills it with SIGKILL, as a power cut or the OOM killer would, and waits until it is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The process id, for /proc figures. */
    public long pid() {
        return process.pid();
    }

    /** {@code n} free ports, no two the same: each server process needs its own for REST, management and TLS. */
    private static int[] distinctFreePorts(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            int candidate;
            boolean taken;
            do {
                candidate = Workspace.freePort();
                taken = false;
                for (int j = 0; j < i; j++) {
                    taken |= ports[j] == candidate;
                }
            } while (taken);
            ports[i] = candidate;
        }
        return ports;
    }

    /** {@code http://localhost:<port>}, or {@code https://localhost:<TLS port>} for a TLS server. */
    public String baseUrl() {
        return tlsPort == 0 ? "http://localhost:" + port : "https://localhost:" + tlsPort;
    }

    /** {@code http://localhost:<management port>}: health and metrics. */
    public String managementUrl() {
        return "http://localhost:" + managementPort;
    }

    /** The plaintext port of REST and gRPC; a TLS server does not open it. */
    public int port() {
        return port;
    }

    /** The TLS port of REST and gRPC; 0 for a plaintext server. */
    public int tlsPort() {
        return tlsPort;
    }

    /** An admin REST client for this server. */
    public Admin admin() {
        return new Admin(baseUrl(), ADMIN_TOKEN, http);
    }

    /** The last lines of its log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "--- " + log + " (last lines) ---\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    /** Stops it: SIGTERM, then SIGKILL after 20 s. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }
}
