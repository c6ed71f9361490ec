package io.flashrig.server.error;

import io.flashrig.contract.InvalidValueException;
import io.flashrig.proto.rig.v1.ErrorReason;
import java.time.Duration;
import java.util.Map;

/**
 * Something a caller did or asked for that FlashRig refuses, with a sentence a person understands. Services throw it;
 * the REST and gRPC error mappers turn it into their protocol's answer.
 */
public class DomainException extends RuntimeException {

    /** What kind of refusal this is; each protocol maps it to its own status. */
    public enum Kind {
        INVALID, NOT_FOUND, CONFLICT, FAILED_PRECONDITION, EXHAUSTED, UNAUTHENTICATED, FORBIDDEN
    }

    private final Kind kind;
    private final ErrorReason reason;
    private final Map<String, String> metadata;
    private final Duration retryAfter;

    public DomainException(Kind kind, ErrorReason reason, String message, Map<String, String> metadata) {
        this(kind, reason, message, metadata, null);
    }

    private DomainException(Kind kind, ErrorReason reason, String message, Map<String, String> metadata,
            Duration retryAfter) {
        super(message);
        this.kind = kind;
        this.reason = reason;
        this.metadata = Map.copyOf(metadata);
        this.retryAfter = retryAfter;
    }

    public DomainException(Kind kind, String message) {
        this(kind, null, message, Map.of());
    }

    public static DomainException invalid(String message) {
        return new DomainException(Kind.INVALID, message);
    }

    /** A MAC address or board serial that the contract's value types refused, with the contract's reason. */
    public static DomainException of(InvalidValueException e) {
        ErrorReason reason = "mac".equals(e.field()) ? ErrorReason.ERROR_REASON_INVALID_MAC
                : ErrorReason.ERROR_REASON_INVALID_SERIAL;
        return new DomainException(Kind.INVALID, reason, e.getMessage(), Map.of(e.field(), e.input()));
    }

    public static DomainException notFound(String message) {
        return new DomainException(Kind.NOT_FOUND, message);
    }

    public static DomainException conflict(String message) {
        return new DomainException(Kind.CONFLICT, message);
    }

    /**
     * A limit of this server that frees itself in time (e.g. as many exports running as it allows): EXHAUSTED, but
     * the same request succeeds later, unlike from a used-up MAC pool.
     */
    public static DomainException busy(String message, Duration retryAfter) {
        return new DomainException(Kind.EXHAUSTED, null, message, Map.of(), retryAfter);
    }

    public Kind kind() {
        return kind;
    }

    /** The contract's machine-readable reason, or null when the error only ever reaches REST callers. */
    public ErrorReason reason() {
        return reason;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** How long the caller should wait before asking again, or null when waiting alone will not help. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
