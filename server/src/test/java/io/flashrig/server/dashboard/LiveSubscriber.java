package io.flashrig.server.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashrig.server.testing.TestApi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A dashboard's subscription to the live events, over HTTP/1.1 (a browser on the LAN) or HTTP/2 (a browser over TLS,
 * or behind the cluster's h2c ingress). Closing it goes away as a browser tab does: HTTP/1.1 closes the connection,
 * HTTP/2 resets the stream.
 */
final class LiveSubscriber implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Vertx vertx = Vertx.vertx();
    private final HttpClientRequest request;
    private final HttpClientResponse response;
    private final BlockingQueue<JsonNode> pushed = new LinkedBlockingQueue<>();
    private final StringBuilder pending = new StringBuilder();
    /** Completes when the server ends the stream or the connection goes. */
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private LiveSubscriber(URL server, HttpVersion version) throws Exception {
        this(server, version, TestApi.ADMIN_TOKEN);
    }

    private LiveSubscriber(URL server, HttpVersion version, String token) throws Exception {
        // A small window, as a slow link has: when this client stops reading, the server soon has to wait for it.
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(version)
                .setHttp2ClearTextUpgrade(false).setReceiveBufferSize(4096)
                .setDefaultHost(server.getHost()).setDefaultPort(server.getPort()));
        request = await(http.request(HttpMethod.GET, "/api/v1/live/events").toCompletionStage());
        request.putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream");
        response = await(request.send().toCompletionStage());
        if (response.statusCode() != 200) {
            throw new AssertionError("live events answered " + response.statusCode());
        }
        response.handler(chunk -> received(chunk.toString()));
        response.endHandler(end -> ended.complete(null));
        response.exceptionHandler(ended::completeExceptionally);
    }

    /** A dashboard signed in with {@code token}. */
    static LiveSubscriber overHttp1(URL server, String token) throws Exception {
        return new LiveSubscriber(server, HttpVersion.HTTP_1_1, token);
    }

    /** Whether the stream has ended, by the server or by a lost connection. */
    boolean ended() {
        return ended.isDone();
    }

    /** Waits, up to {@code seconds}, for the stream to end; fails if it stays open. */
    void awaitEnd(long seconds) throws InterruptedException {
        try {
            ended.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException connectionLost) {
            // Ended all the same.
        } catch (TimeoutException e) {
            throw new AssertionError("The live stream was still open after " + seconds + " s");
        }
    }

    static LiveSubscriber overHttp1(URL server) throws Exception {
        return new LiveSubscriber(server, HttpVersion.HTTP_1_1);
    }

    static LiveSubscriber overHttp2(URL server) throws Exception {
        return new LiveSubscriber(server, HttpVersion.HTTP_2);
    }

    /** Waits for the pushed update of this type about this board in this state, skipping others. */
    JsonNode next(String type, String serial, String state) throws InterruptedException {
        return next(type + " update for " + serial + " in state " + state, update -> isAbout(update, type, serial, state));
    }

    /** Waits for the pushed MAC alert about this board. */
    JsonNode nextAlert(String serial) throws InterruptedException {
        return next("alert for " + serial, update -> "alert".equals(update.path("type").asText())
                && serial.equals(update.path("alert").path("serial").asText()));
    }

    /**
     * Every update pushed up to and including the one of this type about this board in this state: the live feed
     * publishes each burst of commits before a later one, so these include all it published for what was committed
     * before that board's change.
     */
    List<JsonNode> through(String type, String serial, String state) throws InterruptedException {
        List<JsonNode> updates = new ArrayList<>();
        next(type + " update for " + serial + " in state " + state, update -> {
            updates.add(update);
            return isAbout(update, type, serial, state);
        });
        return updates;
    }

    static boolean isAbout(JsonNode update, String type, String serial, String state) {
        return type.equals(update.path("type").asText()) && serial.equals(update.path("board").path("serial").asText())
                && state.equals(update.path("board").path("state").asText());
    }

    private JsonNode next(String what, Predicate<JsonNode> wanted) throws InterruptedException {
        // Generous: the live feed works through every notification in order, and a loaded CI machine is slow at it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonNode update = pushed.poll(1, TimeUnit.SECONDS);
            if (update != null && wanted.test(update)) {
                return update;
            }
        }
        throw new AssertionError("No pushed " + what);
    }

    private synchronized void received(String text) {
        pending.append(text);
        for (int end; (end = pending.indexOf("\n\n")) >= 0; pending.delete(0, end + 2)) {
            for (String line : pending.substring(0, end).split("\n")) {
                if (line.startsWith("data:")) {
                    try {
                        pushed.add(JSON.readTree(line.substring(5)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
    }

    /** The address the server sees this dashboard at. */
    String address() {
        return String.valueOf(request.connection().localAddress());
    }

    /** Reads no more, as a frozen browser tab or a stalled proxy: what the server sends waits in the network. */
    void stopReading() {
        response.pause();
    }

    /** Goes away as a closed browser tab does; an HTTP/2 connection stays open for the browser's other requests. */
    void leave() {
        request.reset();
    }

    @Override
    public void close() throws Exception {
        await(vertx.close().toCompletionStage());
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
