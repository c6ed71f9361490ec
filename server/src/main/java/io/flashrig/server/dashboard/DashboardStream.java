package io.flashrig.server.dashboard;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.jboss.logging.Logger;

/**
 * One dashboard's server-sent events: the live updates one at a time, each sent once the one before has left, so
 * that a slow dashboard falls behind in the live feed's bounded buffer rather than in memory here.
 *
 * <p>A dashboard going away (tab closed, laptop shut, a proxy resetting the stream) is normal and ends the stream
 * quietly. It cannot be left to Quarkus REST's own SSE writer for a returned {@code Multi}: that cancels the stream when
 * the connection closes, but the update already on its way then fails to be written ("Stream no longer exists" on
 * HTTP/2, a closed channel on HTTP/1.1), and it logs every such failure as an ERROR.
 */
final class DashboardStream implements Flow.Subscriber<LiveUpdate> {

    private static final Logger LOG = Logger.getLogger(DashboardStream.class);

    private final SseEventSink sink;
    private final Sse sse;
    /** Where the dashboard connects from, for the log. */
    private final String client;
    private volatile Flow.Subscription subscription;

    DashboardStream(SseEventSink sink, Sse sse, String client) {
        this.sink = sink;
        this.sse = sse;
        this.client = client;
    }

    /** Takes no update yet: the live feed buffers them until {@link #open()} has started the stream. */
    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
    }

    /**
     * Starts the stream, once subscribed, on the thread that answers the request: a first keep-alive writes the
     * response head, and the updates follow once it has left. Were the live feed's first update to go out on its own
     * thread while Quarkus REST starts the stream after the resource method (both write the head when it is not yet
     * written), one of them would fail and the dashboard would hear nothing until it reconnects.
     */
    void open() {
        send(LiveUpdate.keepAlive());
    }

    /** Unsubscribes before the stream has opened: the request is answered with an error instead. */
    void abandon() {
        subscription.cancel();
    }

    @Override
    public void onNext(LiveUpdate update) {
        if (update == LiveUpdate.TOKEN_REVOKED) {
            subscription.cancel();
            LOG.infof("Closed the live stream of the dashboard at %s: its token was revoked", client);
            // The dashboard reconnects, as after any lost stream, and is refused (401) with a sentence saying why.
            sink.close();
            return;
        }
        send(update);
    }

    private void send(LiveUpdate update) {
        OutboundSseEvent event = sse.newEventBuilder().mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(LiveUpdate.class, update).build();
        CompletionStage<?> sent;
        try {
            sent = sink.send(event);
        } catch (IllegalStateException closed) {
            gone(closed);
            return;
        }
        sent.whenComplete((done, failure) -> {
            if (failure == null) {
                subscription.request(1);
            } else {
                // An update is serialised before it is written, and serialising a LiveUpdate does not fail: what
                // fails is the write, because the dashboard's connection or stream has gone.
                gone(failure);
            }
        });
    }

    /** The feed's failure: this dashboard fell too far behind (see {@link LiveFeed#updates()}). */
    @Override
    public void onError(Throwable failure) {
        LOG.infof("Closed the live stream of the dashboard at %s: %s; it reloads a snapshot and subscribes again",
                client, failure.getMessage());
        sink.close();
    }

    /** The feed ends when the server shuts down. */
    @Override
    public void onComplete() {
        sink.close();
    }

    private void gone(Throwable why) {
        // Not sink.close(): the connection is closing already, and ending the response on it too only has Netty
        // warn about the failed write a second time.
        subscription.cancel();
        LOG.debugf("The dashboard at %s has gone; its live stream ended (%s)", client, why);
    }
}
