package io.flashrig.server.error;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.flashrig.contract.InvalidValueException;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The gRPC error mapper: a {@link DomainException} becomes the contract's status code with a
 * {@code google.rpc.ErrorInfo} (domain "flashrig.io", reason as {@link WireNames#reason(ErrorReason)} spells it).
 */
public final class GrpcErrorMapper {

    public static final String DOMAIN = "flashrig.io";

    private static final Logger LOG = Logger.getLogger(GrpcErrorMapper.class);
    private static final int MAX_MESSAGE = 1_000;
    private static final int MAX_METADATA_VALUE = 200;

    private GrpcErrorMapper() {
    }

    public static Throwable toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException) {
            return failure;
        }
        if (failure instanceof InvalidValueException invalid) {
            failure = DomainException.of(invalid);
        }
        if (BadData.is(failure)) {
            return status(Code.INVALID_ARGUMENT, BadData.MESSAGE, ErrorReason.ERROR_REASON_INVALID_REQUEST, Map.of());
        }
        if (TransientFailure.is(failure)) {
            LOG.warn("A RigService call failed for a passing reason; the rig will retry", failure);
            return status(Code.UNAVAILABLE, TransientFailure.MESSAGE, ErrorReason.ERROR_REASON_SERVER_UNAVAILABLE,
                    Map.of());
        }
        if (!(failure instanceof DomainException e)) {
            LOG.error("Unexpected error in a RigService call", failure);
            return status(Code.INTERNAL, "The server failed unexpectedly; nothing was committed by this call. Retry "
                    + "later.", ErrorReason.ERROR_REASON_SERVER_ERROR, Map.of());
        }
        Code code = switch (e.kind()) {
            case INVALID -> Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Code.NOT_FOUND;
            case CONFLICT -> Code.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
            case EXHAUSTED -> Code.RESOURCE_EXHAUSTED;
            case UNAUTHENTICATED -> Code.UNAUTHENTICATED;
            case FORBIDDEN -> Code.PERMISSION_DENIED;
        };
        return status(code, e.getMessage(), e.reason(), e.metadata());
    }

    /**
     * The status travels twice in the trailers (grpc-message and grpc-status-details-bin), which clients cap at
     * 8 KiB: whatever a caller managed to get echoed, the answer stays well below that.
     */
    private static StatusRuntimeException status(Code code, String message, ErrorReason reason,
            Map<String, String> metadata) {
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(code.getNumber())
                .setMessage(clip(message, MAX_MESSAGE));
        if (reason != null) {
            status.addDetails(Any.pack(ErrorInfo.newBuilder()
                    .setDomain(DOMAIN)
                    .setReason(WireNames.reason(reason))
                    .putAllMetadata(metadata.entrySet().stream().collect(Collectors.toMap(
                            Map.Entry::getKey, e -> clip(e.getValue(), MAX_METADATA_VALUE))))
                    .build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
