package io.flashrig.agent.link;

import io.flashrig.agent.job.MacAuthority;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.AssignMacResponse;
import io.flashrig.proto.rig.v1.ClaimMacWriteRequest;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.MacState;
import io.flashrig.proto.rig.v1.OtpMacVerdict;
import io.flashrig.proto.rig.v1.ReportOtpMacRequest;
import io.flashrig.proto.rig.v1.ReportOtpMacResponse;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** {@link MacAuthority} by the server's AssignMac and ReportOtpMac calls. */
public final class GrpcMacAuthority implements MacAuthority {

    private final RigChannel channel;
    private final Duration deadline;

    public GrpcMacAuthority(RigChannel channel, Duration deadline) {
        this.channel = channel;
        this.deadline = deadline;
    }

    @Override
    public Answer<MacAddress> assign(BoardSerial serial, String attemptId) {
        try {
            AssignMacResponse response = channel.blocking().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .assignMac(AssignMacRequest.newBuilder().setSerial(serial.value()).setAttemptId(attemptId)
                            .setRequestId(UUID.randomUUID().toString()).build());
            try {
                MacAddress mac = MacAddress.parse(response.getMac());
                if (response.getState() == MacState.MAC_STATE_FUSED) {
                    // Only a blank board asks, and fuses cannot be unburnt: a second chip reports this serial.
                    return new Refused<>(FailureReason.FAILURE_REASON_MAC_CONFLICT, "the server saw MAC " + mac
                            + " fused in serial " + serial.value() + "'s OTP, yet this board's OTP is blank: another "
                            + "board reports the same serial; not writing");
                }
                return new Granted<>(mac);
            } catch (IllegalArgumentException e) {
                // Never write what cannot be a board's MAC, whoever says so.
                return new Refused<>(FailureReason.FAILURE_REASON_MAC_REFUSED, "the server assigned '" + response.getMac() + "', which is not a usable MAC");
            }
        } catch (StatusRuntimeException e) {
            return judge(e);
        }
    }

    @Override
    public Answer<MacAddress> claimWrite(BoardSerial serial, MacAddress mac, String writeId, String attemptId) {
        try {
            channel.blocking().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .claimMacWrite(ClaimMacWriteRequest.newBuilder().setSerial(serial.value()).setMac(mac.canonical())
                            .setWriteId(writeId).setAttemptId(attemptId).build());
            return new Granted<>(mac);
        } catch (StatusRuntimeException e) {
            return judge(e);
        }
    }

    @Override
    public Answer<OtpMacVerdict> report(BoardSerial serial, MacAddress mac, String attemptId) {
        try {
            ReportOtpMacResponse response = channel.blocking().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .reportOtpMac(ReportOtpMacRequest.newBuilder().setSerial(serial.value()).setMac(mac.canonical())
                            .setAttemptId(attemptId).build());
            return new Granted<>(response.getVerdict());
        } catch (StatusRuntimeException e) {
            return judge(e);
        }
    }

    private <T> Answer<T> judge(StatusRuntimeException e) {
        ErrorReason reason = RpcErrors.errorReason(e);
        String why = RpcErrors.describe(e);
        return switch (RpcErrors.code(e)) {
            // Both free up without the board doing anything, so it waits rather than fails.
            case RESOURCE_EXHAUSTED -> reason == ErrorReason.ERROR_REASON_RIG_QUOTA_EXCEEDED
                    ? new Unreachable<>("this rig has used up its quota of new MACs for the hour; the board waits until"
                            + " the hour rolls on, or an admin raises the rig's quota")
                    : new Unreachable<>("the server's MAC pool is empty; an admin must add a MAC range");
            case FAILED_PRECONDITION -> switch (reason) {
                case ERROR_REASON_MAC_CONFLICT, ERROR_REASON_MAC_MISMATCH -> new Refused<>(FailureReason.FAILURE_REASON_MAC_CONFLICT, "the server reports a MAC conflict: " + why);
                case ERROR_REASON_MAC_QUARANTINED -> new Refused<>(FailureReason.FAILURE_REASON_MAC_REFUSED, "the server refuses this board's MAC: " + why);
                case ERROR_REASON_SERIAL_IN_USE -> new Refused<>(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, "another board with this serial was given the MAC's one write: " + why);
                default -> new Unreachable<>("the server cannot decide now: " + why);
            };
            case INVALID_ARGUMENT -> reason == ErrorReason.ERROR_REASON_INVALID_SERIAL
                    ? new Refused<>(FailureReason.FAILURE_REASON_INVALID_SERIAL, "the server refuses the serial: " + why)
                    : new Refused<>(FailureReason.FAILURE_REASON_MAC_REFUSED, "the server refuses the request: " + why);
            case UNAUTHENTICATED, PERMISSION_DENIED -> new Unreachable<>("the server refuses the rig's token: " + why);
            default -> new Unreachable<>("the server at " + channel.address() + " is unreachable (" + why + "); asking again");
        };
    }
}
