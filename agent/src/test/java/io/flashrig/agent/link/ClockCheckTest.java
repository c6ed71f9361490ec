package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClockCheckTest {

    private static final Instant SERVER = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void theOffsetIsJudgedAtTheMiddleOfTheCall() {
        // The call took 4 s by the rig's clock; the server answered at its 10:00:00, the rig's 12:00:02.
        Duration offset = ClockCheck.offset(SERVER.plus(Duration.ofHours(2)), SERVER.plus(Duration.ofHours(2)).plusSeconds(4),
                timestamp(SERVER));
        assertEquals(Duration.ofHours(2).plusSeconds(2), offset);
    }

    @Test
    void aClockWithinTheServersToleranceSaysNothing() {
        assertTrue(ClockCheck.warning(Duration.ofSeconds(90)).isEmpty());
        assertTrue(ClockCheck.warning(Duration.ofSeconds(-119)).isEmpty());
    }

    @Test
    void aClockAheadOrBehindIsNamedWithWhatToDo() {
        String ahead = ClockCheck.warning(Duration.ofHours(2).plusMinutes(5)).orElseThrow();
        assertTrue(ahead.startsWith("this computer's clock is 2 h 5 min ahead of the server's") && ahead.endsWith("(NTP)"),
                ahead);
        String behind = ClockCheck.warning(Duration.ofMinutes(-10)).orElseThrow();
        assertTrue(behind.startsWith("this computer's clock is 10 min behind the server's"), behind);
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
