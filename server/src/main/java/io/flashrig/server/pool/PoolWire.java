package io.flashrig.server.pool;

import io.flashrig.proto.rig.v1.MacState;
import io.flashrig.proto.rig.v1.OtpMacVerdict;

/**
 * The pool's own enums as the rig contract spells them. The database keeps {@link MacAssignment.State} by name and
 * {@link MacAllocator} decides in {@link MacAllocator.Verdict}; each maps to the proto enum here, in one switch that
 * the compiler checks for every value, so that a value added on either side breaks the build rather than a call.
 */
public final class PoolWire {

    private PoolWire() {
    }

    public static MacState macState(MacAssignment.State state) {
        return switch (state) {
            case ASSIGNED -> MacState.MAC_STATE_ASSIGNED;
            case FUSED -> MacState.MAC_STATE_FUSED;
            case QUARANTINED -> MacState.MAC_STATE_QUARANTINED;
        };
    }

    /** The verdict a rig is answered with; conflicts and mismatches are refusals, not verdicts. */
    public static OtpMacVerdict verdict(MacAllocator.Verdict verdict) {
        return switch (verdict) {
            case CONFIRMED -> OtpMacVerdict.OTP_MAC_VERDICT_CONFIRMED;
            case ADOPTED -> OtpMacVerdict.OTP_MAC_VERDICT_ADOPTED;
            case EXTERNAL -> OtpMacVerdict.OTP_MAC_VERDICT_EXTERNAL;
            // Refused with an error and an alert (PoolService#reportOtp), never answered as a verdict.
            case CONFLICT, MISMATCH -> throw new IllegalArgumentException("A " + verdict
                    + " is a refusal, not an answer");
        };
    }
}
