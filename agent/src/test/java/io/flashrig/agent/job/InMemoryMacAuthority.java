package io.flashrig.agent.job;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.OtpMacVerdict;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's say on MACs, in memory: one MAC per serial forever from a small range, every write claimed at most once
 * per serial, a MAC found in OTP accepted only when it is the board's own. For tests of the job that need no gRPC server.
 */
final class InMemoryMacAuthority implements MacAuthority {

    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, MacAddress> assigned = new ConcurrentHashMap<>();
    private final Map<String, String> claims = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();

    MacAddress assigned(String serial) {
        return assigned.get(serial);
    }

    @Override
    public Answer<MacAddress> assign(BoardSerial serial, String attemptId) {
        calls.incrementAndGet();
        return new Granted<>(assigned.computeIfAbsent(serial.value(), s -> MacAddress.parse("04:D9:21:00:00:00").plus(next.incrementAndGet())));
    }

    @Override
    public Answer<MacAddress> claimWrite(BoardSerial serial, MacAddress mac, String writeId, String attemptId) {
        calls.incrementAndGet();
        String holder = claims.putIfAbsent(serial.value(), writeId);
        return holder == null || holder.equals(writeId) ? new Granted<>(mac)
                : new Refused<>(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, "another board with this serial was given the MAC's one write");
    }

    @Override
    public Answer<OtpMacVerdict> report(BoardSerial serial, MacAddress mac, String attemptId) {
        calls.incrementAndGet();
        return mac.equals(assigned.get(serial.value())) ? new Granted<>(OtpMacVerdict.OTP_MAC_VERDICT_CONFIRMED)
                : new Refused<>(FailureReason.FAILURE_REASON_MAC_CONFLICT, "MAC " + mac + " belongs to another board");
    }
}
