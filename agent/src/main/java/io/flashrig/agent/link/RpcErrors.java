package io.flashrig.agent.link;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Optional;

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

    /** The ErrorInfo reason, e.g. {@code MAC_CONFLICT}; empty when none was sent. */
    public static String reason(Throwable t) {
        return errorInfo(t).map(ErrorInfo::getReason).orElse("");
    }

    public static Status.Code code(Throwable t) {
        return Status.fromThrowable(t).getCode();
    }

    /** One line for people: the server's description, else the status code. */
    public static String describe(Throwable t) {
        Status status = Status.fromThrowable(t);
        String reason = reason(t);
        String text = status.getDescription() != null ? status.getCode().name() + ": " + status.getDescription() : status.getCode().name();
        return reason.isEmpty() ? text : text + " (" + reason + ")";
    }

    /** True when a token problem, not the network, stands in the way. */
    public static boolean tokenRefused(StatusRuntimeException e) {
        Status.Code code = code(e);
        return code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED;
    }
}
