package io.flashrig.agent.job;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.OtpMacVerdict;
import java.time.Duration;

/** The server's say on MACs: only a MAC it assigned is ever written, and it judges MACs found in OTP. */
public interface MacAuthority {

    /**
     * Asks for the MAC of a board whose OTP is blank (AssignMac), with the write lease that comes with it. Never throws
     * for a server problem: it is an {@link Answer}.
     */
    Answer<MacGrant> assign(BoardSerial serial, String attemptId);

    /** Reports a MAC found in OTP before anything was written (ReportOtpMac). */
    Answer<OtpMacVerdict> report(BoardSerial serial, MacAddress mac, String attemptId);

    /**
     * A MAC this rig may write, and for how long: the write must start within the first half of the server's lease,
     * counted from when the request was sent (so the rig's clock never has to agree with the server's), leaving the
     * second half for the MacVerified event to reach the server.
     *
     * @param lease the server's write lease; null when it gave none, and the grant never runs out
     * @param askedAtNanos {@link System#nanoTime()} when the request was sent
     */
    record MacGrant(MacAddress mac, Duration lease, long askedAtNanos) {

        /** Whether an OTP write may still start now. */
        public boolean writable() {
            return lease == null || System.nanoTime() - askedAtNanos < lease.toNanos() / 2;
        }
    }

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
