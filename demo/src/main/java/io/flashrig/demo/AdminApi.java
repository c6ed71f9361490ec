package io.flashrig.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/** The demo's use of the server's admin REST API. */
final class AdminApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    /** Where health answers: the server's management port, not the API's. */
    private final String management;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminApi(String base, String management, String token) {
        this.base = base;
        this.management = management;
        this.token = token;
    }

    /** Waits until the server says it is ready, or fails if it exits first. */
    void awaitReady(Child server, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(management + "/q/health/ready")).build();
        // The management interface may be up a moment before the API's port: ready means both answer.
        HttpRequest serving = HttpRequest.newBuilder(URI.create(base + "/dashboard/")).build();
        while (System.nanoTime() < deadline) {
            if (!server.alive()) {
                throw new Demo.DemoFailure("the server stopped while starting; see demo-run/server.log");
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200
                        && http.send(serving, HttpResponse.BodyHandlers.discarding()).statusCode() > 0) {
                    return;
                }
            } catch (ConnectException e) {
                // Not listening yet: a process cannot tell us when its port opens.
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Demo.DemoFailure("interrupted while waiting for the server");
            }
            Demo.pause(Duration.ofMillis(250));
        }
        throw new Demo.DemoFailure("the server was not ready after " + timeout.toSeconds() + " s; see demo-run/server.log");
    }

    void createMacRange(String first, String last, String label) {
        send("POST", "/api/v1/mac-ranges", Map.of("first", first, "last", last, "label", label), 201);
    }

    /** Registers a rig and returns its token (shown once). */
    String registerRig(String name) {
        return send("POST", "/api/v1/rigs", Map.of("name", name), 201).path("token").asText();
    }

    /** Posts a release manifest (as {@code flashrig-agent release manifest} prints it); the stored release. */
    JsonNode createRelease(String manifestJson) {
        return send("POST", "/api/v1/releases", parse(manifestJson), 201);
    }

    void pinRelease(String rig, String release) {
        send("PUT", "/api/v1/rigs/" + rig + "/release", Map.of("release", release), 200);
    }

    JsonNode rigRelease(String rig) {
        return send("GET", "/api/v1/rigs/" + rig + "/release", null, 200);
    }

    JsonNode board(String serial) {
        return send("GET", "/api/v1/boards/" + serial, null, 200);
    }

    JsonNode macPool() {
        return send("GET", "/api/v1/mac-pool", null, 200);
    }

    /** Feeds every board update the server pushes to {@code watch}, on a background thread. */
    void followLiveUpdates(Demo.BoardWatch watch) {
        HttpRequest request = authorized("/api/v1/live/events").header("Accept", "text/event-stream").GET().build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenAccept(response -> {
            try (Stream<String> lines = response.body()) {
                lines.filter(line -> line.startsWith("data:")).forEach(line -> {
                    JsonNode update = parse(line.substring(5).trim());
                    if ("board".equals(update.path("type").asText())) {
                        JsonNode board = update.path("board");
                        watch.update(board.path("serial").asText(), board.path("state").asText(),
                                board.path("percent").asInt());
                    }
                });
            }
        });
    }

    private JsonNode send(String method, String path, Object body, int expected) {
        try {
            HttpRequest.BodyPublisher publisher = body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
            HttpRequest request = authorized(path).header("Content-Type", "application/json")
                    .method(method, publisher).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expected) {
                throw new Demo.DemoFailure(method + " " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return parse(response.body());
        } catch (IOException e) {
            throw new Demo.DemoFailure(method + " " + path + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Demo.DemoFailure("interrupted");
        }
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
