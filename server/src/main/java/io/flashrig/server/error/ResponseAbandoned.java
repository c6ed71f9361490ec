package io.flashrig.server.error;

/**
 * A streamed response given up midway on purpose, after its status and part of its body went out, and already logged
 * by whoever gave it up. Thrown so that the body is not ended as if it were complete; the REST error mapper then only
 * lets the connection end, without another log line.
 */
public class ResponseAbandoned extends RuntimeException {

    public ResponseAbandoned(String message, Throwable cause) {
        super(message, cause);
    }
}
