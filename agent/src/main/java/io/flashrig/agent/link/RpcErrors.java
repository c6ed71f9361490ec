package io.flashrig.agent.link;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Reads the server's errors: a status code plus a {@code google.rpc.ErrorInfo} whose reason names the case (see
 * errors.proto). The one place the agent maps gRPC errors.
 */
public final class RpcErrors {

    private RpcErrors() {
    }

    /** The ErrorInfo the server attached, if any. */
    public static Optional<ErrorInfo> errorInfo(Throwable t) {
        com.google.rpc.Status status = StatusProto.fromThrowable(t);
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return Optional.of(detail.unpack(ErrorInfo.class));
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The ErrorInfo reason as sent, e.g. {@code MAC_CONFLICT}; empty when none was sent. For people: code matches {@link #errorReason}. */
    public static String reason(Throwable t) {
        return errorInfo(t).map(ErrorInfo::getReason).orElse("");
    }

    /** The ErrorInfo reason as the contract's enum; {@code ERROR_REASON_UNSPECIFIED} when none was sent or this build does not know it. */
    public static ErrorReason errorReason(Throwable t) {
        return WireNames.reason(reason(t));
    }

    public static Status.Code code(Throwable t) {
        return Status.fromThrowable(t).getCode();
    }

    /** One line for people: the server's description, else the status code; a failed TLS handshake says what to do. */
    public static String describe(Throwable t) {
        Optional<String> tls = tlsProblem(t);
        if (tls.isPresent()) {
            return tls.get();
        }
        Status status = Status.fromThrowable(t);
        String reason = reason(t);
        String text = status.getDescription() != null ? status.getCode().name() + ": " + status.getDescription() : status.getCode().name();
        return reason.isEmpty() ? text : text + " (" + reason + ")";
    }

    /**
     * Why the TLS handshake failed, if it did: gRPC reports it only as UNAVAILABLE, which reads like an outage and
     * would leave an operator waiting for a server that will never be trusted.
     */
    static Optional<String> tlsProblem(Throwable t) {
        SSLException tls = null;
        Throwable certificate = null;
        Throwable innermost = t;
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (tls == null && c instanceof SSLException e) {
                tls = e;
            }
            // The innermost says it plainest ("unable to find valid certification path to requested target").
            if (tls != null && (c instanceof CertificateException || c instanceof CertPathValidatorException
                    || c instanceof CertPathBuilderException)) {
                certificate = c;
            }
            innermost = c;
        }
        if (certificate != null && certificate.getMessage() != null && certificate.getMessage().startsWith("No ")
                && certificate.getMessage().contains(" matching ")) {
            // The JDK's host name check: a trusted certificate, made for another name than the URL's.
            return Optional.of("the server's TLS certificate does not name the host in the server URL (" + certificate.getMessage()
                    + "): use a host name the certificate was made for");
        }
        if (certificate != null) {
            return Optional.of("the server's TLS certificate is not trusted (" + certificate.getMessage()
                    + "): if a factory CA signed it, give that CA with --ca-file FILE");
        }
        return tls == null ? Optional.empty() : Optional.of("the TLS handshake with the server failed: " + innermost.getMessage());
    }

    /**
     * What the event stream does after a failure, by status: the one place that decides whether retrying can help.
     */
    public enum StreamRemedy {
        /** The server or the network is away (or overloaded): send the same again after the exponential backoff. */
        OUTAGE,
        /** The token is refused: nothing gets through until an admin fixes it; retry with backoff and say so. */
        TOKEN,
        /** The session is no longer the rig's current one: open a new session at once and resend. */
        REOPEN,
        /** The server refuses what the request carries: resending it unchanged would be refused again, so isolate. */
        REFUSED,
        /**
         * The server failed unexpectedly (a bug): retried with backoff like an outage, but when it keeps failing on the
         * same events it counts as refused, so that one event a server cannot digest does not stop a rig for good.
         */
        SERVER_FAULT
    }

    /** How the event stream treats {@code t}. */
    public static StreamRemedy onEventStream(Throwable t) {
        return switch (code(t)) {
            case UNAUTHENTICATED, PERMISSION_DENIED -> StreamRemedy.TOKEN;
            case FAILED_PRECONDITION -> errorReason(t) == ErrorReason.ERROR_REASON_UNKNOWN_SESSION ? StreamRemedy.REOPEN : StreamRemedy.REFUSED;
            // RESOURCE_EXHAUSTED: gRPC's own message-size refusal; OUT_OF_RANGE and UNIMPLEMENTED cannot change either.
            case INVALID_ARGUMENT, RESOURCE_EXHAUSTED, OUT_OF_RANGE, UNIMPLEMENTED -> StreamRemedy.REFUSED;
            case INTERNAL, UNKNOWN, DATA_LOSS -> StreamRemedy.SERVER_FAULT;
            // UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED and the rest: the next try may well pass.
            default -> StreamRemedy.OUTAGE;
        };
    }

    /** True when a token problem, not the network, stands in the way. */
    public static boolean tokenRefused(StatusRuntimeException e) {
        Status.Code code = code(e);
        return code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED;
    }
}
