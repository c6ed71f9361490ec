package io.flashrig.server.web;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The one place that reaches into a Vert.x internal class ({@code ConnectionBase}, for the connection's Netty channel):
 * Vert.x's public API has no way to drop an HTTP/1.1 response midway, since it holds a close back until the response
 * has ended, and an ended chunked response looks complete to its client. If a Vert.x upgrade moves the class, only
 * this file breaks, and {@code BoardExportStallTest} and {@code BoardExportTest} say so.
 */
public final class ResponseAbort {

    private ResponseAbort() {
    }

    /**
     * Ends an export's stream at once, so that its client can never take what it got for a whole file. On HTTP/1.1 the
     * connection is closed at the head of its channel's pipeline, past Vert.x's own handlers, which drops what still
     * waits to be sent: Vert.x holds a reset or close back until the response has ended, and the response would by
     * then have been ended as if complete. On HTTP/2 the stream is reset. Completes once that is done; a write then
     * waiting for the client fails (HTTP/2) or waits on until interrupted (HTTP/1.1).
     */
    public static Future<Void> abort(HttpServerRequest request, HttpServerResponse response) {
        if (request.version() != HttpVersion.HTTP_2 && request.connection() instanceof ConnectionBase connection) {
            // Null once the channel has closed and its handlers are gone (the client hung up just then).
            ChannelHandlerContext head = connection.channel().pipeline().firstContext();
            Promise<Void> closed = Promise.promise();
            (head != null ? head.close() : connection.channel().close()).addListener(done -> closed.complete());
            return closed.future();
        }
        response.reset();
        return Future.succeededFuture();
    }
}
