package io.flashrig.agent.job;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.OtpMacVerdict;

/** The server's say on MACs: only a MAC it assigned is ever written, and it judges MACs found in OTP. */
public interface MacAuthority {

    /**
     * Asks for the MAC of a board whose OTP is blank (AssignMac). Never throws for a server problem: it is an
     * {@link Answer}.
     */
    Answer<MacAddress> assign(BoardSerial serial, String attemptId);

    /**
     * Claims the one OTP write of the board's MAC (ClaimMacWrite) under {@code writeId}, which the rig made durable
     * first; granted with the MAC when the write is this rig's to do.
     */
    Answer<MacAddress> claimWrite(BoardSerial serial, MacAddress mac, String writeId, String attemptId);

    /** Reports a MAC found in OTP before anything was written (ReportOtpMac). */
    Answer<OtpMacVerdict> report(BoardSerial serial, MacAddress mac, String attemptId);

    /** The server's answer. */
    sealed interface Answer<T> permits Granted, Refused, Unreachable {
    }

    /** The server said yes. */
    record Granted<T>(T value) implements Answer<T> {
    }

    /** The server said no for good: the board fails with this reason, nothing is written. */
    record Refused<T>(FailureReason reason, String message) implements Answer<T> {
    }

    /**
     * No decision now (server away, pool empty, token refused): the board waits visibly and asks again later.
     *
     * @param message why, for the operator
     */
    record Unreachable<T>(String message) implements Answer<T> {
    }
}
