package io.flashrig.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import org.junit.jupiter.api.Test;

class WireNamesTest {

    @Test
    void stripsTheTypePrefixOfEveryEnum() {
        assertEquals("FLASHING", WireNames.shortName(FlashJobState.FLASH_JOB_STATE_FLASHING));
        assertEquals("TIMEOUT", WireNames.shortName(FailureReason.FAILURE_REASON_TIMEOUT));
        assertEquals("MAC_POOL_EXHAUSTED", WireNames.reason(ErrorReason.ERROR_REASON_MAC_POOL_EXHAUSTED));
    }

    @Test
    void everyReasonRoundTripsThroughItsWireName() {
        for (ErrorReason r : ErrorReason.values()) {
            if (r == ErrorReason.UNRECOGNIZED || r == ErrorReason.ERROR_REASON_UNSPECIFIED) {
                continue;
            }
            assertEquals(r, WireNames.reason(WireNames.reason(r)), r.name());
        }
    }

    @Test
    void anUnknownReasonIsUnspecifiedNotAnError() {
        assertEquals(ErrorReason.ERROR_REASON_UNSPECIFIED, WireNames.reason("SOMETHING_NEWER"));
        assertEquals(ErrorReason.ERROR_REASON_UNSPECIFIED, WireNames.reason((String) null));
    }

    @Test
    void wordsReadAsAPersonWouldSayThem() {
        assertEquals("waiting for MAC", WireNames.words(FlashJobState.FLASH_JOB_STATE_WAITING_FOR_MAC));
    }
}
