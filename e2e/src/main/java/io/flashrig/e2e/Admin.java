package io.flashrig.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The admin REST API of one server, as an operator's script would call it. */
public final class Admin {

    /** Shared JSON mapper. */
    public static final ObjectMapper JSON = new ObjectMapper();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String baseUrl;
    private final String token;
    private final HttpClient http;

    /** A client of {@code baseUrl} sending {@code token} as the bearer. */
    public Admin(String baseUrl, String token) {
        this(baseUrl, token, HTTP);
    }

    /** As {@link #Admin(String, String)}, through {@code http} (e.g. one that trusts a test CA). */
    public Admin(String baseUrl, String token, HttpClient http) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.http = http;
    }

    /** A response: status, content type and body. */
    public record Reply(int status, String contentType, String body) {

        /** The body as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }
    }

    /** Sends a raw request: any method, raw path (already encoded or deliberately not), optional body and token. */
    public Reply send(String method, String rawPath, String contentType, byte[] body, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + rawPath)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (bearer != null) {
            request.header("Authorization", bearer);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + rawPath + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** GET with the admin token. */
    public Reply get(String path) {
        return send("GET", path, null, null, "Bearer " + token);
    }

    /** POST of a JSON body with the admin token. */
    public Reply post(String path, String json) {
        return send("POST", path, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "Bearer " + token);
    }

    /** PUT of a JSON body with the admin token. */
    public Reply put(String path, String json) {
        return send("PUT", path, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "Bearer " + token);
    }

    /** Registers a rig and returns its token. */
    public String createRig(String name) {
        Reply reply = post("/api/v1/rigs", "{\"name\":\"" + name + "\"}");
        if (reply.status() != 201) {
            throw new IllegalStateException("rig " + name + " not created: " + reply);
        }
        return reply.json().get("token").asText();
    }

    /** Adds a MAC range. */
    public void addRange(String first, String last, String label) {
        Reply reply = post("/api/v1/mac-ranges", "{\"first\":\"" + first + "\",\"last\":\"" + last + "\",\"label\":\"" + label + "\"}");
        if (reply.status() != 201) {
            throw new IllegalStateException("range " + first + ".." + last + " not created: " + reply);
        }
    }

    /** {@code GET /api/v1/boards/{serial}} as JSON; fails unless 200. */
    public JsonNode board(String serial) {
        Reply reply = get("/api/v1/boards/" + serial);
        if (reply.status() != 200) {
            throw new IllegalStateException("board " + serial + ": " + reply);
        }
        return reply.json();
    }

    /** {@code GET /api/v1/macs/{mac}} as JSON; fails unless 200. */
    public JsonNode mac(String mac) {
        Reply reply = get("/api/v1/macs/" + mac);
        if (reply.status() != 200) {
            throw new IllegalStateException("MAC " + mac + ": " + reply);
        }
        return reply.json();
    }
}
